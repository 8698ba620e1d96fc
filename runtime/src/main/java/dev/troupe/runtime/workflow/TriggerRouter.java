package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.config.SupervisionSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.admission.TaskIntake;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The event-driven pattern: follows every task's journal (the {@code task} tag) and starts a task
 * of each workflow whose {@link Trigger} matches a TaskCompleted or TaskFailed. One per cluster
 * (a singleton); where it has read to is kept as durable state, so a restart carries on instead of
 * starting over. A triggered task's id is derived from the trigger and the source task, so reading
 * an event twice (after a crash between starting the task and storing the offset) starts nothing
 * twice.
 */
public final class TriggerRouter
    extends EventSourcedBehavior<TriggerRouter.Command, JournalEntry, TriggerRouter.Position> {
  public static final String NAME = "trigger-router";
  /** The router's work runs in futures, off the actor's thread, where its context must not be touched. */
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TriggerRouter.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = JsonMapper.builder().build();

  public sealed interface Command extends TroupeSerializable {}

  /** The stream handled everything up to {@code offset}. Local only. */
  private record Handled(long offset) implements Command {}

  private enum Save implements Command { INSTANCE }

  /** A trigger that would have gone too deep: journaled. */
  private record Refuse(String workflow, String sourceTaskId, int depth, String reason) implements Command {}

  /** A trigger's task the intake did not admit yet: journaled, started later. */
  private record Defer(WorkflowEvent.TriggerDeferred deferred) implements Command {}

  /** A deferred task has started: journaled. */
  private record Started(String taskId) implements Command {}

  /** Try the deferred tasks again. */
  private enum RetryDeferred implements Command { INSTANCE }

  /** The label a triggered task carries: how many triggers deep it is (a submitted task is 0). */
  public static final String DEPTH_LABEL = "triggerDepth";

  /**
   * Where the router has read to in the journal's global order, its hash chain, the triggered
   * tasks waiting for room in their tenant (by task id), and the triggers it refused lately.
   *
   * <p>A refusal is journaled while the events after the saved offset are handled, so a crash
   * reads those events again and would refuse them again. The last {@link #REFUSALS_KEPT}
   * refusals (by workflow and source task) are remembered and not journaled twice: far more than
   * the second or so of events a crash can make the router read again.
   */
  public record Position(long offset, ChainHead chainHead, Map<String, WorkflowEvent.TriggerDeferred> deferred,
      List<String> recentRefusals) implements TroupeSerializable {
    static final int REFUSALS_KEPT = 1000;

    public Position {
      // snapshots from before deferral (or refusal memory) have none
      deferred = deferred == null ? Map.of() : Map.copyOf(deferred);
      recentRefusals = recentRefusals == null ? List.of() : List.copyOf(recentRefusals);
    }

    public Position(long offset, ChainHead chainHead) {
      this(offset, chainHead, Map.of(), List.of());
    }

    static String refusalKey(String workflow, String sourceTaskId) {
      return workflow + "|" + sourceTaskId;
    }

    /** Whether {@code workflow}'s trigger on {@code sourceTaskId} was refused and journaled already. */
    public boolean refused(String workflow, String sourceTaskId) {
      return recentRefusals.contains(refusalKey(workflow, sourceTaskId));
    }

    /** The position after {@code entry}. Pure: replay and the router use it. */
    public Position apply(JournalEntry entry) {
      ChainHead head = chainHead.after(entry.stamp());
      if (entry.event() instanceof WorkflowEvent.TriggerOffsetAdvanced advanced) {
        return new Position(advanced.offset(), head, deferred, recentRefusals);
      }
      if (entry.event() instanceof WorkflowEvent.TriggerRefused refusal) {
        List<String> more = new ArrayList<>(recentRefusals);
        more.add(refusalKey(refusal.workflow(), refusal.sourceTaskId()));
        if (more.size() > REFUSALS_KEPT) {
          more.subList(0, more.size() - REFUSALS_KEPT).clear();
        }
        return new Position(offset, head, deferred, more);
      }
      if (entry.event() instanceof WorkflowEvent.TriggerDeferred waiting) {
        Map<String, WorkflowEvent.TriggerDeferred> more = new java.util.HashMap<>(deferred);
        more.put(waiting.taskId(), waiting);
        return new Position(offset, head, more, recentRefusals);
      }
      if (entry.event() instanceof WorkflowEvent.DeferredTriggerStarted started) {
        Map<String, WorkflowEvent.TriggerDeferred> fewer = new java.util.HashMap<>(deferred);
        fewer.remove(started.taskId());
        return new Position(offset, head, fewer, recentRefusals);
      }
      return new Position(offset, head, deferred, recentRefusals);
    }
  }

  /** How often deferred triggers are tried again. */
  static final Duration RETRY_DEFERRED_EVERY = Duration.ofSeconds(1);

  /** How often the position is journaled; events read again after a crash start nothing twice. */
  static final Duration SAVE_EVERY = Duration.ofSeconds(1);

  /**
   * Starts the router as a cluster singleton (one in the cluster, moved to a survivor when its node
   * leaves), restarted with backoff when it fails; it resumes from its journaled offset.
   */
  public static void init(org.apache.pekko.actor.typed.ActorSystem<?> system, JdbcReadJournal journal,
      TaskClient tasks, TaskIntake intake, WorkflowClient workflows, AuditChain chain, Clock clock,
      SupervisionSettings supervision, int maxDepth) {
    ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.supervise(create(journal, tasks, intake, workflows, chain, clock, maxDepth))
            .onFailure(SupervisorStrategy.restartWithBackoff(supervision.minBackoff(),
                supervision.maxBackoff(), supervision.randomFactor())),
        NAME));
  }

  public static Behavior<Command> create(JdbcReadJournal journal, TaskClient tasks, TaskIntake intake,
      WorkflowClient workflows, AuditChain chain, Clock clock, int maxDepth) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Save.INSTANCE, SAVE_EVERY);
      timers.startTimerWithFixedDelay(RetryDeferred.INSTANCE, RETRY_DEFERRED_EVERY);
      return new TriggerRouter(context, journal, tasks, intake, workflows, chain, clock, maxDepth);
    }));
  }

  private final ActorContext<Command> context;
  private final JdbcReadJournal journal;
  private final TaskClient tasks;
  private final TaskIntake intake;
  private final WorkflowClient workflows;
  private final AuditChain chain;
  private final Clock clock;
  private final int maxDepth;
  /** Captured here: the router's futures must not touch its context. */
  private final org.apache.pekko.actor.typed.ActorRef<Command> self;
  private long handled;
  private UniqueKillSwitch running;
  /** Deferred tasks being tried now (this incarnation): not tried twice at once. */
  private final java.util.Set<String> trying = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private TriggerRouter(ActorContext<Command> context, JdbcReadJournal journal, TaskClient tasks, TaskIntake intake,
      WorkflowClient workflows, AuditChain chain, Clock clock, int maxDepth) {
    super(PersistenceId.ofUniqueId(NAME));
    this.maxDepth = maxDepth;
    this.self = context.getSelf();
    this.context = context;
    this.journal = journal;
    this.tasks = tasks;
    this.intake = intake;
    this.workflows = workflows;
    this.chain = chain;
    this.clock = clock;
  }

  @Override
  public Position emptyState() {
    return new Position(0, ChainHead.EMPTY);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public EventHandler<Position, JournalEntry> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(Position::apply);
  }

  @Override
  public CommandHandler<Command, JournalEntry, Position> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Refuse.class, (state, refuse) -> state.refused(refuse.workflow(), refuse.sourceTaskId())
            ? Effect().none()
            : Effect().persist(chain.after(state.chainHead())
                .add(new AuditContext(clock.instant(), AuditActor.system("triggers"), null, refuse.sourceTaskId()),
                    new WorkflowEvent.TriggerRefused(refuse.workflow(), refuse.sourceTaskId(), refuse.depth(),
                        refuse.reason())).entries()))
        .onCommand(Defer.class, (state, defer) -> state.deferred().containsKey(defer.deferred().taskId())
            ? Effect().none()
            : Effect().persist(chain.after(state.chainHead()).add(new AuditContext(clock.instant(),
                AuditActor.system("triggers"), defer.deferred().traceId(), defer.deferred().sourceTaskId()),
                defer.deferred()).entries()))
        .onCommand(Started.class, (state, started) -> {
          trying.remove(started.taskId());
          return state.deferred().containsKey(started.taskId())
              ? Effect().persist(chain.after(state.chainHead()).add(new AuditContext(clock.instant(),
                  AuditActor.system("triggers"), null, null), new WorkflowEvent.DeferredTriggerStarted(started.taskId()))
                  .entries())
              : Effect().none();
        })
        .onCommand(RetryDeferred.class, (state, retry) -> {
          state.deferred().values().forEach(this::retry);
          return Effect().none();
        })
        .onCommand(Handled.class, (state, done) -> {
          handled = Math.max(handled, done.offset());
          return Effect().none();
        })
        .onCommand(Save.class, (state, save) -> handled > state.offset()
            ? Effect().persist(chain.after(state.chainHead()).add(new AuditContext(clock.instant(),
                AuditActor.system("triggers"), null, null), new WorkflowEvent.TriggerOffsetAdvanced(handled)).entries())
            : Effect().none())
        .build();
  }

  @Override
  public SignalHandler<Position> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::follow)
        .onSignal(org.apache.pekko.actor.typed.PostStop.instance(), state -> {
          if (running != null) {
            running.shutdown();
          }
        })
        .build();
  }

  private void follow(Position from) {
    handled = from.offset();
    ActorSystem<?> system = context.getSystem();
    var self = context.getSelf();
    long[] last = {from.offset()};
    // Finished tasks are handled in batches, with one look-up of the triggered workflows per batch
    // (that look-up reads every workflow), not one per task. A failed batch restarts the whole
    // pipeline from the last handled offset: it runs again, and the derived ids start nothing twice.
    Source<EventEnvelope, NotUsed> handled = RestartSource.withBackoff(
        RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2),
        () -> journal.eventsByTag(TaskEntity.TAG, Offset.sequence(last[0]))
            .groupedWithin(256, Duration.ofMillis(200))
            .mapAsync(1, batch -> handle(batch).thenApply(done -> batch.get(batch.size() - 1))));
    running = handled
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.foreach(envelope -> {
          long offset = ((Sequence) envelope.offset()).value();
          last[0] = offset;
          self.tell(new Handled(offset));
        }), Keep.left())
        .run(system);
  }

  private CompletionStage<Done> handle(List<EventEnvelope> batch) {
    List<JournalEntry> finished = batch.stream()
        .filter(envelope -> envelope.event() instanceof JournalEntry entry
            && (entry.event() instanceof TaskEvent.TaskCompleted || entry.event() instanceof TaskEvent.TaskFailed))
        .map(envelope -> (JournalEntry) envelope.event())
        .toList();
    if (finished.isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return workflows.withTriggers().thenCompose(triggered -> {
      CompletionStage<Done> all = CompletableFuture.completedFuture(Done.getInstance());
      for (JournalEntry entry : finished) {
        all = all.thenCompose(done -> handle(entry, triggered));
      }
      return all;
    });
  }

  private CompletionStage<Done> handle(JournalEntry entry, List<PinnedWorkflow> triggered) {
    String type = entry.event().getClass().getSimpleName();
    String sourceTaskId = entry.stamp().taskId();
    if (triggered.isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return tasks.get(sourceTaskId).thenCompose(reply -> {
      if (!(reply instanceof TaskEntity.Found found)) {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      List<CompletableFuture<?>> starts = new ArrayList<>();
      // A trigger fires only on tasks of a tenant that sees its workflow: a tenant's own workflow
      // never starts on another tenant's tasks.
      for (var pinned : WorkflowClient.visibleTo(triggered, found.task().tenant(), PinnedWorkflow::key)) {
        Trigger trigger = pinned.definition().trigger();
        if (matches(trigger, type, found.task())) {
          starts.add(start(pinned, type, found.task()).toCompletableFuture());
        }
      }
      return CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).thenApply(done -> Done.getInstance());
    }).exceptionally(error -> {
      LOG.warn("Trigger for task {} will be retried: {}", sourceTaskId, error.toString());
      throw new IllegalStateException(error);
    });
  }

  /** The id of the task {@code workflow}'s trigger starts for {@code type} of {@code sourceTaskId}. */
  public static String triggeredTaskId(String workflow, String sourceTaskId, String type) {
    String key = workflow + "|" + sourceTaskId + "|" + type;
    return "tsk_" + HexFormat.of().formatHex(CanonicalJson.sha256().digest(key.getBytes(StandardCharsets.UTF_8)), 0, 16);
  }

  /** How many triggers deep {@code task} is: 0 for a task a client or an agent submitted. */
  static int depthOf(TaskState task) {
    try {
      return Math.max(0, Integer.parseInt(task.labels().getOrDefault(DEPTH_LABEL, "0")));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static boolean matches(Trigger trigger, String type, TaskState source) {
    return trigger.on().equals(type)
        && (trigger.workflow() != null ? trigger.workflow().equals(source.workflow())
            : trigger.capability().equals(source.capability()));
  }

  private CompletionStage<TaskEntity.SubmitReply> start(
      dev.troupe.runtime.task.PinnedWorkflow pinned, String type, TaskState source) {
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    event.put("type", type);
    event.put("taskId", source.taskId());
    event.put("workflow", source.workflow());
    event.put("capability", source.capability());
    event.set("output", source.output());
    event.put("error", source.error());
    event.put("tenant", source.tenant());
    ObjectNode scope = JsonNodeFactory.instance.objectNode();
    scope.set("event", event);
    JsonNode template = pinned.definition().trigger().input();
    JsonNode resolved = template == null ? JsonNodeFactory.instance.objectNode() : Templates.resolve(template, scope);
    JsonNode input = resolved.isObject() ? resolved : JsonNodeFactory.instance.objectNode().set("value", resolved);
    String taskId = triggeredTaskId(pinned.name(), source.taskId(), type);
    int depth = depthOf(source) + 1;
    if (depth > maxDepth) {
      String why = "task " + source.taskId() + " is " + (depth - 1) + " triggers deep; a task it started would be "
          + depth + ", past troupe.tasks.max-trigger-depth (" + maxDepth + ")";
      LOG.warn("Trigger of {} refused: {}", pinned.name(), why); // not context's log: this runs off the actor
      self.tell(new Refuse(pinned.name(), source.taskId(), depth, why));
      return CompletableFuture.completedFuture(new TaskEntity.Refused(why));
    }
    TaskRequest request = new TaskRequest(source.tenant(), null, pinned, null, null, input, null, null, null,
        Map.of("triggeredBy", source.taskId(), DEPTH_LABEL, String.valueOf(depth)), CanonicalJson.sha256(MAPPER,
            scope));
    // Admitted like a client's task: the tenant's cap holds. One not admitted now waits, journaled,
    // and the router reads on, so a tenant at its cap holds up nobody else's triggers.
    return intake.submit(taskId, request, AuditActor.system("triggers"), source.traceId(), true)
        .thenApply(outcome -> {
          if (outcome instanceof TaskIntake.Answered answered) {
            return answered.reply();
          }
          String reason = ((TaskIntake.Overloaded) outcome).reason();
          self.tell(new Defer(new WorkflowEvent.TriggerDeferred(taskId, pinned.name(), source.taskId(), reason,
              request, source.traceId())));
          return new TaskEntity.Refused("deferred: " + reason);
        });
  }

  /** Tries to start a deferred task again; runs off the actor (its futures), reporting back by message. */
  private void retry(WorkflowEvent.TriggerDeferred waiting) {
    if (!trying.add(waiting.taskId())) {
      return;
    }
    intake.submit(waiting.taskId(), waiting.request(), AuditActor.system("triggers"), waiting.traceId(), true)
        .whenComplete((outcome, error) -> {
          if (outcome instanceof TaskIntake.Answered) {
            self.tell(new Started(waiting.taskId()));
          } else {
            trying.remove(waiting.taskId()); // still no room (or no answer): the next round tries again
          }
        });
  }
}
