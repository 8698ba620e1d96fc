package dev.troupe.runtime.task;

import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.agent.AgentHandle;
import dev.troupe.runtime.agent.AgentRunner;
import dev.troupe.runtime.agent.StepOutcome;
import dev.troupe.runtime.agent.Usage;
import dev.troupe.runtime.task.TaskEvent.StepCompleted;
import dev.troupe.runtime.task.TaskEvent.StepFailed;
import dev.troupe.runtime.task.TaskEvent.StepStarted;
import dev.troupe.runtime.task.TaskEvent.TaskCompleted;
import dev.troupe.runtime.task.TaskEvent.TaskFailed;
import dev.troupe.runtime.task.TaskEvent.TaskSubmitted;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The orchestrator of one task: journals each decision before acting on it, hands steps to
 * agents, retries retryable failures with backoff on another agent when there is one, and
 * after a restart resumes from its journal (a step in flight is redelivered with the same
 * step id). Lives in Cluster Sharding with remembered entities, so unfinished tasks are
 * started again when the node comes back, without a client asking.
 */
public final class TaskEntity
    extends EventSourcedBehaviorWithEnforcedReplies<TaskEntity.Command, JournalEntry, TaskState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Task");
  public static final String TAG = "task";
  static final String MAIN_STEP = "main";
  private static final AuditActor ORCHESTRATOR = AuditActor.system("orchestrator");

  // ---- protocol ----

  public sealed interface Command extends TroupeSerializable {}

  /** Submit the task; replies once {@code TaskSubmitted} is journaled. */
  public record Submit(TaskRequest request, AuditActor submittedBy, String traceId, ActorRef<SubmitReply> replyTo)
      implements Command {}

  public record Get(ActorRef<GetReply> replyTo) implements Command {}

  private record StepReported(AgentRunner.StepReport report) implements Command {}

  private record StepTimedOut(String stepId, int attempt) implements Command {}

  private record RetryDue(String stepId) implements Command {}

  private enum IdleTimeout implements Command { INSTANCE }

  public sealed interface SubmitReply extends TroupeSerializable {}

  /** The task is journaled; {@code created} is false when this was a repeat of the same request. */
  public record Accepted(String taskId, String traceId, TaskStatus status, boolean created) implements SubmitReply {}

  /** A task with this id exists, submitted with a different request. */
  public record IdempotencyConflict(String taskId) implements SubmitReply {}

  /** Nothing was journaled. */
  public record Refused(String reason) implements SubmitReply {}

  public sealed interface GetReply extends TroupeSerializable {}

  public record Found(TaskState task) implements GetReply {}

  public record NotFound(String taskId) implements GetReply {}

  // ---- wiring ----

  public static Behavior<Command> create(EntityContext<Command> entity, TaskDependencies deps) {
    var supervision = deps.supervision();
    return Behaviors.supervise(Behaviors.<Command>withTimers(timers -> Behaviors.<Command>setup(context ->
            new TaskEntity(context, timers, entity, deps))))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor()));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final EntityContext<Command> entity;
  private final TaskDependencies deps;
  private final String taskId;
  private final ActorRef<AgentRunner.StepReport> reportAdapter;

  private TaskEntity(
      ActorContext<Command> context, TimerScheduler<Command> timers, EntityContext<Command> entity,
      TaskDependencies deps) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), entity.getEntityId()),
        SupervisorStrategy.restartWithBackoff(deps.supervision().minBackoff(), deps.supervision().maxBackoff(),
            deps.supervision().randomFactor()));
    this.context = context;
    this.timers = timers;
    this.entity = entity;
    this.deps = deps;
    this.taskId = entity.getEntityId();
    this.reportAdapter = context.messageAdapter(AgentRunner.StepReport.class, StepReported::new);
  }

  @Override
  public TaskState emptyState() {
    return TaskState.empty(taskId);
  }

  @Override
  public Optional<Integer> stashCapacity() {
    return Optional.of(deps.settings().stashCapacity());
  }

  @Override
  public Set<String> tagsFor(JournalEntry event) {
    return Set.of(TAG);
  }

  @Override
  public EventHandler<TaskState, JournalEntry> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(TaskState::apply);
  }

  @Override
  public SignalHandler<TaskState> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::resume).build();
  }

  @Override
  public CommandHandlerWithReply<Command, JournalEntry, TaskState> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, JournalEntry, TaskState> builder = newCommandHandlerWithReplyBuilder();
    builder.forState(TaskState::isEmpty)
        .onCommand(Submit.class, this::onFirstSubmit)
        .onCommand(Get.class, this::onGetMissing)
        .onAnyCommand(command -> Effect().noReply());
    builder.forState(state -> !state.isEmpty())
        .onCommand(Submit.class, this::onRepeatSubmit)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), new Found(state)))
        .onCommand(StepReported.class, this::onStepReported)
        .onCommand(StepTimedOut.class, this::onStepTimedOut)
        .onCommand(RetryDue.class, this::onRetryDue)
        .onCommand(IdleTimeout.class, (state, idle) -> Effect().none().thenRun(s -> passivate()).thenNoReply());
    return builder.build();
  }

  // ---- commands ----

  private ReplyEffect<JournalEntry, TaskState> onFirstSubmit(TaskState state, Submit submit) {
    TaskRequest request = submit.request();
    Optional<AgentHandle> agent = deps.agents().pick(request.capability(), 1);
    if (agent.isEmpty()) {
      return Effect().none().thenRun(s -> passivate()).thenReply(submit.replyTo(),
          s -> new Refused("unknown capability '" + request.capability() + "'"));
    }
    String stepId = taskId + "." + MAIN_STEP;
    TaskSubmitted submitted = new TaskSubmitted(taskId, request.tenant(), request.capability(), request.input(),
        request.budget().maxTokens(), request.budget().maxCostUsd(), request.deadline(), request.priority(),
        request.labels(), request.requestHash());
    StepStarted started = new StepStarted(stepId, MAIN_STEP, request.capability(), agent.get().agentId(), 1);
    var entries = deps.chain().after(state.chainHead())
        .add(audit(submit.submittedBy(), submit.traceId()), submitted)
        .add(audit(ORCHESTRATOR, submit.traceId()), started)
        .entries();
    return Effect().persist(entries)
        .thenRun(s -> dispatch(s, stepId))
        .thenReply(submit.replyTo(), s -> new Accepted(taskId, s.traceId(), s.status(), true));
  }

  private ReplyEffect<JournalEntry, TaskState> onRepeatSubmit(TaskState state, Submit submit) {
    if (!state.requestHash().equals(submit.request().requestHash())
        || !state.tenant().equals(submit.request().tenant())) {
      return Effect().reply(submit.replyTo(), new IdempotencyConflict(taskId));
    }
    return Effect().reply(submit.replyTo(), new Accepted(taskId, state.traceId(), state.status(), false));
  }

  private ReplyEffect<JournalEntry, TaskState> onGetMissing(TaskState state, Get get) {
    // Nothing to keep in memory (and nothing for remembered entities to restart).
    return Effect().none().thenRun(s -> passivate()).thenReply(get.replyTo(), s -> new NotFound(taskId));
  }

  private ReplyEffect<JournalEntry, TaskState> onStepReported(TaskState state, StepReported reported) {
    AgentRunner.StepReport report = reported.report();
    Optional<StepState> step = state.step(report.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.RUNNING || state.status().isFinal()) {
      return Effect().noReply(); // a late report of an attempt that already ended
    }
    if (report.outcome() instanceof StepOutcome.Completed done) {
      timers.cancel(report.stepId());
      StepCompleted completed = new StepCompleted(report.stepId(), report.agentId(), report.attempt(),
          done.output(), done.confidence(), report.usage(), report.durationMs());
      TaskCompleted finished = new TaskCompleted(done.output(), state.usage().plus(report.usage()));
      return persist(state, AuditActor.agent(report.agentId()), completed, ORCHESTRATOR, finished)
          .thenRun(this::scheduleIdlePassivation)
          .thenNoReply();
    }
    if (report.attempt() != step.get().attempts()) {
      return Effect().noReply(); // a failure of an attempt we already gave up on
    }
    timers.cancel(report.stepId());
    StepOutcome.Failed failed = (StepOutcome.Failed) report.outcome();
    return onAttemptFailed(state, step.get(), report.agentId(), failed.reason(), failed.retryable(),
        report.usage(), report.durationMs(), AuditActor.agent(report.agentId()));
  }

  private ReplyEffect<JournalEntry, TaskState> onStepTimedOut(TaskState state, StepTimedOut timeout) {
    Optional<StepState> step = state.step(timeout.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.RUNNING || step.get().attempts() != timeout.attempt()) {
      return Effect().noReply();
    }
    String reason = "step timed out after " + deps.settings().stepTimeout();
    return onAttemptFailed(state, step.get(), step.get().agentId(), reason, true, Usage.NONE,
        deps.settings().stepTimeout().toMillis(), ORCHESTRATOR);
  }

  private ReplyEffect<JournalEntry, TaskState> onAttemptFailed(
      TaskState state, StepState step, String agentId, String reason, boolean retryable, Usage usage,
      long durationMs, AuditActor reporter) {
    boolean willRetry = retryable && step.attempts() < deps.settings().maxAttempts();
    StepFailed failed = new StepFailed(step.stepId(), agentId, step.attempts(), reason, retryable, willRetry,
        usage, durationMs);
    if (willRetry) {
      return persist(state, reporter, failed)
          .thenRun(s -> scheduleRetry(step.stepId(), step.attempts()))
          .thenNoReply();
    }
    String why = retryable
        ? "step " + step.name() + " failed after " + step.attempts() + " attempts: " + reason
        : "step " + step.name() + " failed: " + reason;
    return persist(state, reporter, failed, ORCHESTRATOR, new TaskFailed(why, state.usage().plus(usage)))
        .thenRun(this::scheduleIdlePassivation)
        .thenNoReply();
  }

  private ReplyEffect<JournalEntry, TaskState> onRetryDue(TaskState state, RetryDue retry) {
    Optional<StepState> step = state.step(retry.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.PENDING || state.status().isFinal()) {
      return Effect().noReply();
    }
    int attempt = step.get().attempts() + 1;
    Optional<AgentHandle> agent = deps.agents().pick(step.get().capability(), attempt);
    if (agent.isEmpty()) {
      return persist(state, ORCHESTRATOR, new TaskFailed(
              "no agent offers '" + step.get().capability() + "' any more", state.usage()))
          .thenRun(this::scheduleIdlePassivation)
          .thenNoReply();
    }
    StepStarted started = new StepStarted(step.get().stepId(), step.get().name(), step.get().capability(),
        agent.get().agentId(), attempt);
    return persist(state, ORCHESTRATOR, started)
        .thenRun(s -> dispatch(s, retry.stepId()))
        .thenNoReply();
  }

  // ---- effects ----

  /** After recovery: pick up where the journal says the task was. */
  private void resume(TaskState state) {
    if (state.isEmpty()) {
      return;
    }
    if (state.status().isFinal()) {
      scheduleIdlePassivation(state);
      return;
    }
    for (StepState step : state.steps()) {
      if (step.status() == StepStatus.RUNNING) {
        context.getLog().info("Task {} resumes step {} (attempt {})", taskId, step.stepId(), step.attempts());
        dispatch(state, step.stepId());
      } else if (step.status() == StepStatus.PENDING && step.attempts() > 0) {
        scheduleRetry(step.stepId(), step.attempts());
      }
    }
  }

  private void dispatch(TaskState state, String stepId) {
    StepState step = state.step(stepId).orElseThrow();
    timers.startSingleTimer(stepId, new StepTimedOut(stepId, step.attempts()), deps.settings().stepTimeout());
    Optional<AgentHandle> agent = deps.agents().byId(step.agentId());
    if (agent.isEmpty()) {
      // The agent is gone (e.g. removed from this node's configuration): fail this attempt so
      // the retry picks another agent for the capability.
      context.getSelf().tell(new StepReported(new AgentRunner.StepReport(taskId, stepId, step.attempts(),
          step.agentId(), StepOutcome.retryable("agent " + step.agentId() + " is not running"), Usage.NONE, 0)));
      return;
    }
    // A single-capability task's one step takes the task's input as it is.
    agent.get().runner().tell(new AgentRunner.RunStep(taskId, stepId, step.attempts(), step.capability(),
        state.input(), reportAdapter));
  }

  private void scheduleRetry(String stepId, int failedAttempt) {
    Duration base = deps.settings().retryBackoff();
    long factor = 1L << Math.min(failedAttempt - 1, 20);
    Duration delay = base.multipliedBy(factor);
    // Jitter spreads retries of many tasks that failed together.
    long jitterMillis = (long) (delay.toMillis() * 0.2 * Math.random());
    timers.startSingleTimer("retry-" + stepId, new RetryDue(stepId), delay.plusMillis(jitterMillis));
  }

  private void scheduleIdlePassivation(TaskState state) {
    timers.startSingleTimer(IdleTimeout.INSTANCE, IdleTimeout.INSTANCE, deps.settings().passivateFinishedAfter());
  }

  private void passivate() {
    entity.getShard().tell(new ClusterSharding.Passivate<>(context.getSelf()));
  }

  private AuditContext audit(AuditActor actor, String traceId) {
    return new AuditContext(deps.clock().instant(), actor, traceId, taskId);
  }

  private EffectBuilder<JournalEntry, TaskState> persist(TaskState state, AuditActor actor, DomainEvent event) {
    return Effect().persist(deps.chain().after(state.chainHead()).add(audit(actor, state.traceId()), event).entries());
  }

  private EffectBuilder<JournalEntry, TaskState> persist(
      TaskState state, AuditActor firstActor, DomainEvent first, AuditActor secondActor, DomainEvent second) {
    return Effect().persist(deps.chain().after(state.chainHead())
        .add(audit(firstActor, state.traceId()), first)
        .add(audit(secondActor, state.traceId()), second)
        .entries());
  }
}
