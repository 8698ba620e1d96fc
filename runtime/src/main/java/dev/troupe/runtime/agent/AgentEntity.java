package dev.troupe.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.agent.AgentEvent.StepActivity;
import dev.troupe.runtime.market.Advertisement;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.CapabilityOffer;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One agent instance as a persistent actor. It journals what it does (steps accepted, each model
 * and tool call, decisions, notes, outcomes), enforces its own limits, answers a redelivered step
 * from its journal instead of running it twice, keeps its reputation, and advertises itself to
 * the marketplace. The agent's code runs on the agent dispatcher: whatever it does fails only its
 * own step. A crash of this actor restarts it with backoff and it recovers from its journal.
 */
public final class AgentEntity
    extends EventSourcedBehaviorWithEnforcedReplies<AgentEntity.Command, JournalEntry, AgentState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Agent");

  // ---- protocol ----

  public sealed interface Command extends TroupeSerializable {}

  /** Starts the instance (if it is not running) and makes it advertise. */
  public enum Wake implements Command { INSTANCE }

  /** Run one attempt of a step and report to {@code replyTo}. */
  public record RunStep(
      String taskId, String stepId, int attempt, String capability, JsonNode input, String goal, List<String> guidance,
      Map<String, JsonNode> dependencies, String tenant, String traceId, ActorRef<StepReport> replyTo,
      boolean budgeted)
      implements Command {
    /** A step of a task without a budget of its own or above it. */
    public RunStep(String taskId, String stepId, int attempt, String capability, JsonNode input, String goal,
        List<String> guidance, Map<String, JsonNode> dependencies, String tenant, String traceId,
        ActorRef<StepReport> replyTo) {
      this(taskId, stepId, attempt, capability, input, goal, guidance, dependencies, tenant, traceId, replyTo, false);
    }
  }

  public record GetStatus(ActorRef<AgentView> replyTo) implements Command {}

  private record Recorded(AgentEvent event) implements Command {}

  /** Persist {@code event}, then complete {@code journaled}: a tool's intent before the tool runs. Local only. */
  private record PersistBeforeGoingOn(AgentEvent event, CompletableFuture<Void> journaled) implements Command {}

  private record Finished(RunStep step, StepOutcome outcome, Usage usage, long latencyMs) implements Command {}

  private enum AdvertiseTick implements Command { INSTANCE }

  private enum CooldownOver implements Command { INSTANCE }

  private enum SettleInterrupted implements Command { INSTANCE }

  /** Capacity may have freed up: start the step held longest, if any. */
  private enum ServeHeld implements Command { INSTANCE }

  /** Write the steps that finished since the last write, together. */
  private enum FlushFinished implements Command { INSTANCE }

  /**
   * How an attempt ended and what it used, as this agent's journal recorded it; {@code record}
   * says where (null when the attempt left nothing there, as a refusal does).
   */
  public record StepReport(
      String taskId, String stepId, int attempt, String agentId, StepOutcome outcome, Usage usage, long latencyMs,
      StepRecord record) implements TroupeSerializable {}

  /** The instance as an operator sees it. */
  public record AgentView(
      String agentId, String type, String role, List<CapabilityOffer> capabilities, AgentStatus status, int inFlight,
      long completed, long failed, double reputation, int notes) implements TroupeSerializable {}

  // ---- wiring ----

  /**
   * Starts this node's share of the agents: a sharding region of agent instances, remembered, so
   * an agent holding steps is restarted after a crash or a rebalance without waiting to be asked.
   */
  public static void init(ActorSystem<?> system,
      AgentDependencies deps) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY,
            entity -> create(entity, deps))
        .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true)));
  }

  public static Behavior<Command> create(EntityContext<Command> entity, AgentDependencies deps) {
    var supervision = deps.supervision();
    return Behaviors.supervise(Behaviors.<Command>withTimers(timers -> Behaviors.<Command>setup(context ->
            new AgentEntity(context, timers, entity.getEntityId(), deps))))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor()));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String agentId;
  private final AgentDependencies deps;
  private final Optional<AgentCatalog.Instance> instance;
  /** Steps whose code runs in this incarnation, with who waits for each. Not persisted. */
  private final Map<String, List<ActorRef<StepReport>>> running = new HashMap<>();
  /**
   * Steps that arrived while every slot was taken (the marketplace's view of this agent's load
   * trails by an advertisement): held in arrival order, not journaled, and started as slots free
   * up. A busy agent is not a failed attempt. Lost on a restart, when the task redelivers them.
   */
  private final java.util.ArrayDeque<Held> held = new java.util.ArrayDeque<>();

  private record Held(RunStep step, Instant since) {}
  /** Beyond this many held steps the agent refuses, as before there was a hold. */
  static final int MAX_HELD = 1_000;
  /**
   * Running steps whose acceptance is not journaled yet, with the activity they recorded so far:
   * one write at the end ({@link AgentEvent.StepRan}) covers them, unless something in the step
   * must be journaled before it goes on (a tool call's intent, a note), which writes them first.
   * A node restart loses them with the step itself, which the task then redelivers; a restart in
   * place after a failed write keeps them, and the steps still running finish as usual.
   */
  private final Map<String, Unwritten> unwritten = new HashMap<>();

  private record Unwritten(AgentEvent.StepAccepted accepted, String traceId, Instant acceptedAt,
      List<StepActivity> activity) {}

  /** Steps whose code has finished, waiting for the next write of outcomes (see FlushFinished). */
  private final List<Finished> finishing = new ArrayList<>();
  /**
   * The outcomes being written now. A failed write restarts the entity in place (these fields
   * survive it), so after recovery they are written again instead of leaving their slots taken.
   */
  private final List<Finished> flushing = new ArrayList<>();


  /** The persistence id of agent {@code agentId}'s journal. */
  public static String persistenceId(String agentId) {
    return PersistenceId.of(ENTITY_TYPE_KEY.name(), agentId).id();
  }

  private AgentEntity(
      ActorContext<Command> context, TimerScheduler<Command> timers, String agentId, AgentDependencies deps) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), agentId),
        SupervisorStrategy.restartWithBackoff(deps.supervision().minBackoff(), deps.supervision().maxBackoff(),
            deps.supervision().randomFactor()));
    this.context = context;
    this.timers = timers;
    this.agentId = agentId;
    this.deps = deps;
    this.instance = deps.catalog().instance(agentId);
  }

  @Override
  public AgentState emptyState() {
    return AgentState.empty(agentId);
  }

  /**
   * Untagged: nothing reads agent events by tag (the audit reads an agent's journal by its id),
   * and every tag is one more row written per event.
   */
  @Override
  public Set<String> tagsFor(JournalEntry event) {
    return Set.of();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(deps.settings().snapshotEvery(), 2);
  }

  @Override
  public EventHandler<AgentState, JournalEntry> eventHandler() {
    Duration halfLife = deps.settings().reputationHalfLife();
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, entry) -> state.apply(entry, halfLife));
  }

  @Override
  public SignalHandler<AgentState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          deps.quarantine().recovered(persistenceId().id());
          onRecovered(state);
        })
        .onSignal(org.apache.pekko.persistence.typed.RecoveryFailed.class,
            (state, failed) -> deps.quarantine().failed(persistenceId().id(), failed.getFailure()))
        .onSignal(PostStop.instance(), state -> withdraw("stopped"))
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, JournalEntry, AgentState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Wake.class, this::onWake)
        .onCommand(RunStep.class, this::onRunStep)
        .onCommand(GetStatus.class, (state, get) -> Effect().reply(get.replyTo(), view(state)))
        .onCommand(Recorded.class, (state, recorded) -> onRecorded(state, recorded.event(), null))
        .onCommand(PersistBeforeGoingOn.class, (state, p) -> onRecorded(state, p.event(), p.journaled()))
        .onCommand(Finished.class, this::onFinished)
        .onCommand(AdvertiseTick.class, (state, tick) -> Effect().none().thenRun(this::advertise).thenNoReply())
        .onCommand(CooldownOver.class, this::onCooldownOver)
        .onCommand(SettleInterrupted.class, this::onSettleInterrupted)
        .onCommand(ServeHeld.class, this::onServeHeld)
        .onCommand(FlushFinished.class, this::onFlushFinished)
        .build();
  }

  // ---- commands ----

  private ReplyEffect<JournalEntry, AgentState> onWake(AgentState state, Wake wake) {
    if (instance.isEmpty()) {
      context.getLog().warn("Agent {} is not configured on this node; it does not advertise", agentId);
      return Effect().noReply();
    }
    Optional<AgentEvent.AgentConfigured> change = configurationChange(state);
    if (change.isEmpty()) {
      return Effect().none().thenRun(this::advertise).thenNoReply();
    }
    return persist(state, AuditActor.system("agents"), null, null, change.get()).thenRun(this::advertise).thenNoReply();
  }

  /** The definition to record, when the journal does not show the one this instance runs with. */
  private Optional<AgentEvent.AgentConfigured> configurationChange(AgentState state) {
    AgentDefinition d = instance.orElseThrow().definition();
    AgentEvent.AgentConfigured configured = new AgentEvent.AgentConfigured(agentId, d.type(), d.role(),
        d.capabilities(), d.tools(), d.modelTier(), d.limits());
    return configured.equals(state.configuration()) ? Optional.empty() : Optional.of(configured);
  }

  private ReplyEffect<JournalEntry, AgentState> onRunStep(AgentState state, RunStep step) {
    return runStep(state, step, false);
  }

  private ReplyEffect<JournalEntry, AgentState> onServeHeld(AgentState state, ServeHeld serve) {
    if (held.isEmpty() || running.size() >= maxConcurrent()) {
      return Effect().noReply();
    }
    Held next = held.poll();
    if (!held.isEmpty()) {
      // The step taken may not start (answered from the journal, joined to a running one,
      // refused): the next one must not wait for a step to finish that never started.
      context.getSelf().tell(ServeHeld.INSTANCE);
    }
    if (Duration.between(next.since(), deps.clock().instant()).compareTo(deps.stepTimeout()) > 0) {
      // Its task has given up on this attempt and retried it: running it now would only repeat it.
      next.step().replyTo().tell(report(next.step(), StepOutcome.retryable("agent " + agentId
          + " held the step for longer than the step timeout (" + deps.stepTimeout() + ") waiting for a slot"),
          Usage.NONE, 0, null));
      return Effect().noReply();
    }
    return runStep(state, next.step(), true);
  }

  private int maxConcurrent() {
    return instance.map(i -> i.definition().limits().maxConcurrentSteps()).orElse(1);
  }

  private ReplyEffect<JournalEntry, AgentState> runStep(AgentState state, RunStep step, boolean wasHeld) {
    if (instance.isEmpty()) {
      step.replyTo().tell(report(step, StepOutcome.retryable("agent " + agentId + " is not configured on this node"),
          Usage.NONE, 0, null));
      return Effect().noReply();
    }
    Optional<AgentState.FinishedStep> done = state.finishedStep(step.stepId())
        .filter(finished -> finished.attempt() == step.attempt());
    if (done.isPresent()) {
      // A redelivery of an attempt that already ended: the same answer, no second run.
      AgentState.FinishedStep f = done.get();
      step.replyTo().tell(report(step, f.outcome(), f.usage(), f.latencyMs(), f.record()));
      return Effect().noReply();
    }
    List<ActorRef<StepReport>> waiting = running.get(step.stepId());
    if (waiting != null) {
      waiting.add(step.replyTo());
      return Effect().noReply();
    }
    if (deps.localSteps().stopping()) {
      // Not accepted, so nothing is journaled: the task redelivers the step when the node is back.
      return Effect().noReply();
    }
    boolean full = running.size() >= maxConcurrent();
    if ((full || !wasHeld && !held.isEmpty()) && held.size() < MAX_HELD) {
      // Wait for a slot, behind the steps that came first.
      boolean firstHeld = held.isEmpty();
      held.add(new Held(step, deps.clock().instant()));
      if (!full) {
        context.getSelf().tell(ServeHeld.INSTANCE);
      } else if (firstHeld) {
        // The marketplace sent more than this agent can run: tell it (BUSY) before it sends more.
        advertise(state);
      }
      return Effect().noReply();
    }
    Instant now = deps.clock().instant();
    Optional<String> refusal = state.refusal(now, instance.get().definition().limits(), running.size(),
        unwritten.size());
    if (refusal.isPresent()) {
      return persist(state, AuditActor.agent(agentId), step.taskId(), step.traceId(),
              new AgentEvent.StepRefused(step.taskId(), step.stepId(), step.attempt(), refusal.get()))
          .thenRun(s -> {
            step.replyTo().tell(report(step, StepOutcome.retryable(refusal.get()), Usage.NONE, 0, null));
            advertise(s); // the marketplace counted this step against the agent: correct its view
          })
          .thenNoReply();
    }
    AgentEvent.StepAccepted accepted =
        new AgentEvent.StepAccepted(step.taskId(), step.stepId(), step.attempt(), step.capability(), step.input());
    Optional<AgentEvent.AgentConfigured> configured = configurationChange(state);
    if (configured.isEmpty()) {
      // No write before the step runs: its acceptance goes to the journal with its outcome.
      unwritten.put(step.stepId(), new Unwritten(accepted, step.traceId(), now, new ArrayList<>()));
      start(state, step);
      serveHeldIfRoom();
      return Effect().noReply();
    }
    // Auditors must see the configuration a step ran under before the step itself.
    AuditChain.Batch batch = deps.chain().after(state.chainHead());
    batch.add(new AuditContext(now, AuditActor.system("agents"), null, null), configured.get());
    batch.add(audit(step.taskId(), step.traceId()), accepted);
    return Effect().persist(batch.entries())
        .thenRun(s -> {
          start(s, step);
          serveHeldIfRoom();
        })
        .thenNoReply();
  }

  private void serveHeldIfRoom() {
    if (!held.isEmpty() && running.size() < maxConcurrent()) {
      context.getSelf().tell(ServeHeld.INSTANCE);
    }
  }

  private ReplyEffect<JournalEntry, AgentState> onRecorded(
      AgentState state, AgentEvent event, CompletableFuture<Void> journaled) {
    String stepId = event instanceof StepActivity a ? a.stepId()
        : event instanceof AgentEvent.NoteRemembered n ? n.stepId()
        : event instanceof AgentEvent.DelegationRequested d ? d.stepId() : null;
    Unwritten pending = stepId == null ? null : unwritten.get(stepId);
    if (pending != null && journaled == null && event instanceof StepActivity activity) {
      pending.activity().add(activity); // written with the step's outcome
      return Effect().noReply();
    }
    AuditChain.Batch batch = deps.chain().after(state.chainHead());
    String taskId;
    String traceId;
    if (pending != null) {
      // This must be on disk before the step goes on, and the step's acceptance before it.
      unwritten.remove(stepId);
      taskId = pending.accepted().taskId();
      traceId = pending.traceId();
      AuditContext stamp = audit(taskId, traceId);
      batch.add(stamp, pending.accepted());
      pending.activity().forEach(earlier -> batch.add(stamp, earlier));
    } else {
      AgentState.InFlightStep step = stepId == null ? null : state.inFlight().get(stepId);
      taskId = step == null ? null : step.taskId();
      traceId = step == null ? null : step.traceId();
    }
    AuditContext context = new AuditContext(deps.clock().instant(), AuditActor.agent(agentId), traceId, taskId);
    return Effect().persist(batch.add(context, event).entries())
        .thenRun(s -> {
          if (journaled != null) {
            journaled.complete(null);
          }
        })
        .thenNoReply();
  }

  private ReplyEffect<JournalEntry, AgentState> onFinished(AgentState state, Finished finished) {
    finishing.add(finished);
    if (finishing.size() == 1) {
      context.getSelf().tell(FlushFinished.INSTANCE);
    }
    return Effect().noReply();
  }

  /**
   * Writes every step that finished since the last write, in one persist: while a write is under
   * way an entity takes no commands, so steps that end meanwhile would otherwise each wait for a
   * write of their own, and a busy agent would finish at most one step per journal round trip.
   */
  private ReplyEffect<JournalEntry, AgentState> onFlushFinished(AgentState state, FlushFinished flush) {
    if (finishing.isEmpty()) {
      return Effect().noReply();
    }
    List<Finished> done = List.copyOf(finishing);
    finishing.clear();
    flushing.clear();
    flushing.addAll(done);
    Duration halfLife = deps.settings().reputationHalfLife();
    AuditChain.Batch batch = deps.chain().after(state.chainHead());
    AgentState folded = state;
    boolean degraded = false;
    for (Finished finished : done) {
      RunStep step = finished.step();
      Duration p95 = instance.flatMap(i -> i.definition().offer(step.capability()))
          .map(offer -> offer.sla().p95Latency()).orElse(Duration.ofDays(1));
      boolean withinSla = finished.latencyMs() <= p95.toMillis();
      Unwritten pending = unwritten.get(step.stepId());
      AgentEvent event = pending == null
          ? new AgentEvent.StepFinished(step.taskId(), step.stepId(), step.attempt(), step.capability(),
              finished.outcome(), finished.usage(), finished.latencyMs(), withinSla)
          : new AgentEvent.StepRan(step.taskId(), step.stepId(), step.attempt(), step.capability(),
              pending.accepted().input(), pending.activity(), finished.outcome(), finished.usage(),
              finished.latencyMs(), withinSla, pending.acceptedAt());
      boolean countsAgainst = Reputation.credit(finished.outcome(), withinSla) == 0.0;
      boolean degrade = countsAgainst && folded.status() != AgentStatus.DEGRADED
          && folded.consecutiveFailures() + 1 >= deps.settings().degradeAfterFailures();
      folded = folded.apply(last(batch.add(audit(step.taskId(), step.traceId()), event)), halfLife);
      if (degrade) {
        folded = folded.apply(last(batch.add(audit(null, null), new AgentEvent.AgentDegraded(
            folded.consecutiveFailures() + " failed steps in a row; last: " + describe(finished.outcome())))),
            halfLife);
        degraded = true;
      }
    }
    boolean withdrew = degraded;
    return Effect().persist(batch.entries())
        .thenRun(s -> {
          flushing.clear();
          for (Finished finished : done) {
            RunStep step = finished.step();
            unwritten.remove(step.stepId());
            List<ActorRef<StepReport>> waiters = running.remove(step.stepId());
            StepRecord record = s.finishedStep(step.stepId()).map(AgentState.FinishedStep::record).orElse(null);
            StepReport report = report(step, finished.outcome(), finished.usage(), finished.latencyMs(), record);
            if (waiters != null) {
              waiters.forEach(waiter -> waiter.tell(report));
            }
            deps.localSteps().finished(agentId, step.stepId());
          }
          serveHeldIfRoom();
          if (withdrew) {
            context.getLog().warn("Agent {} withdraws for {}: {} failed steps in a row", agentId,
                deps.settings().degradedCooldown(), s.consecutiveFailures());
            timers.startSingleTimer(CooldownOver.INSTANCE, CooldownOver.INSTANCE, deps.settings().degradedCooldown());
          }
          advertise(s);
        })
        .thenNoReply();
  }

  private static JournalEntry last(AuditChain.Batch batch) {
    List<JournalEntry> entries = batch.entries();
    return entries.get(entries.size() - 1);
  }

  private ReplyEffect<JournalEntry, AgentState> onCooldownOver(AgentState state, CooldownOver over) {
    if (state.status() != AgentStatus.DEGRADED) {
      return Effect().noReply();
    }
    return persist(state, AuditActor.system("agents"), null, null,
            new AgentEvent.AgentRestored("cool-down of " + deps.settings().degradedCooldown() + " over"))
        .thenRun(this::advertise)
        .thenNoReply();
  }

  /**
   * Steps the journal shows in flight from before a restart, which no task redelivered within a
   * step timeout (a redelivery runs them again, with the same step id): the task has moved on,
   * so settle them as interrupted rather than keep them open forever.
   */
  private ReplyEffect<JournalEntry, AgentState> onSettleInterrupted(AgentState state, SettleInterrupted settle) {
    var batch = deps.chain().after(state.chainHead());
    Instant cutoff = deps.clock().instant().minus(deps.stepTimeout());
    int settled = 0;
    for (AgentState.InFlightStep step : state.inFlight().values()) {
      if (!running.containsKey(step.stepId()) && step.acceptedAt().isBefore(cutoff)) {
        batch.add(audit(step.taskId(), step.traceId()), new AgentEvent.StepFinished(step.taskId(), step.stepId(), step.attempt(),
            step.capability(), StepOutcome.retryable("agent " + agentId + " restarted while the step ran"),
            Usage.NONE, Duration.between(step.acceptedAt(), deps.clock().instant()).toMillis(), false));
        settled++;
      }
    }
    if (settled == 0) {
      return Effect().noReply();
    }
    return Effect().persist(batch.entries()).thenNoReply();
  }

  // ---- effects ----

  private void onRecovered(AgentState state) {
    if (!flushing.isEmpty()) {
      finishing.addAll(0, flushing);
      flushing.clear();
      context.getSelf().tell(FlushFinished.INSTANCE);
    }
    if (!state.inFlight().isEmpty()) {
      timers.startSingleTimer(SettleInterrupted.INSTANCE, SettleInterrupted.INSTANCE,
          deps.stepTimeout().plusSeconds(1));
    }
    context.getSelf().tell(Wake.INSTANCE);
    timers.startTimerWithFixedDelay(AdvertiseTick.INSTANCE, deps.settings().advertiseInterval());
  }

  private void start(AgentState state, RunStep step) {
    AgentCatalog.Instance agent = instance.orElseThrow();
    List<ActorRef<StepReport>> waiters = new ArrayList<>();
    waiters.add(step.replyTo());
    running.put(step.stepId(), waiters);
    deps.localSteps().started(agentId, step.stepId());
    Instant started = deps.clock().instant();
    // This type's own threads: an agent of another type that blocks cannot delay this step.
    java.util.concurrent.Executor executor = deps.bulkheads().executorFor(agent.definition().type());
    StepSession session = new StepSession(agentId, agent.definition(),
        new StepSession.Request(step.taskId(), step.stepId(), step.attempt(), step.capability(), step.input(),
            step.goal(), step.guidance(), step.dependencies(), step.tenant(), step.traceId()),
        deps.models().forAgent(agent.definition().type(), agent.definition().modelTier()).orElseThrow(), deps.tools(),
        executor,
        state.notes(), state.recent(), state.priorCalls(step.stepId()), recorder(), deps.delegator(), deps.clock(),
        deps.settings().modelTimeout(), new StepGuards(deps.settings().maxModelCallsPerStep(),
            deps.settings().maxIdenticalToolCalls(), deps.budgets(), step.budgeted(), deps.redactor(),
            java.util.Set.copyOf(deps.settings().toolsNeedingApproval()), deps.toolBreakers(), deps.toolCache(),
            deps.effects()),
        deps.executor());
    CompletionStage<StepOutcome> run = CompletableFuture
        .supplyAsync(() -> agent.agent().run(session), executor)
        .thenCompose(stage -> stage == null
            ? CompletableFuture.completedFuture(StepOutcome.retryable("agent returned no outcome"))
            : stage)
        .toCompletableFuture()
        .orTimeout(deps.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
    context.pipeToSelf(run, (outcome, error) -> new Finished(step,
        session.settle(error == null ? outcome : StepSession.outcomeOfFailure(agentId, error, deps.stepTimeout())),
        session.usage(), Duration.between(started, deps.clock().instant()).toMillis()));
    advertise(state);
  }

  /** Step events go to this actor, which journals them in order; intents are awaited. */
  private StepSession.Recorder recorder() {
    ActorRef<Command> self = context.getSelf();
    return new StepSession.Recorder() {
      @Override
      public void record(AgentEvent event) {
        self.tell(new Recorded(event));
      }

      @Override
      public CompletionStage<Void> persist(AgentEvent event) {
        CompletableFuture<Void> journaled = new CompletableFuture<>();
        self.tell(new PersistBeforeGoingOn(event, journaled));
        return journaled;
      }
    };
  }

  private void advertise(AgentState state) {
    if (instance.isEmpty()) {
      return;
    }
    AgentDefinition d = instance.get().definition();
    deps.marketplace().tell(Topic.publish(new MarketplaceRegistry.Advertise(new Advertisement(agentId, d.type(),
        d.role(), d.capabilities(), status(state), running.size() + held.size(), d.limits().maxConcurrentSteps(),
        state.completed(),
        state.failed(), state.reputationScore(deps.clock().instant(), deps.settings().reputationHalfLife()),
        deps.clock().instant()))));
  }

  private void withdraw(String reason) {
    deps.marketplace().tell(Topic.publish(new MarketplaceRegistry.Withdraw(agentId, reason)));
  }

  private AgentStatus status(AgentState state) {
    if (state.status() == AgentStatus.DEGRADED) {
      return AgentStatus.DEGRADED;
    }
    return running.size() >= maxConcurrent() || !held.isEmpty() ? AgentStatus.BUSY : AgentStatus.AVAILABLE;
  }

  private AgentView view(AgentState state) {
    AgentDefinition d = instance.map(AgentCatalog.Instance::definition).orElse(null);
    return new AgentView(agentId, d == null ? null : d.type(), d == null ? null : d.role(),
        d == null ? List.of() : d.capabilities(), instance.isEmpty() ? AgentStatus.STOPPED : status(state),
        running.size(), state.completed(), state.failed(),
        state.reputationScore(deps.clock().instant(), deps.settings().reputationHalfLife()), state.notes().size());
  }

  private StepReport report(RunStep step, StepOutcome outcome, Usage usage, long latencyMs, StepRecord record) {
    return new StepReport(step.taskId(), step.stepId(), step.attempt(), agentId, outcome, usage, latencyMs, record);
  }

  private static String describe(StepOutcome outcome) {
    return outcome instanceof StepOutcome.Failed f ? f.reason() : outcome.getClass().getSimpleName();
  }

  private AuditContext audit(String taskId, String traceId) {
    return new AuditContext(deps.clock().instant(), AuditActor.agent(agentId), traceId, taskId);
  }

  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<JournalEntry, AgentState> persist(
      AgentState state, AuditActor actor, String taskId, String traceId, AgentEvent event) {
    AuditChain.Batch batch = deps.chain().after(state.chainHead())
        .add(new AuditContext(deps.clock().instant(), actor, traceId, taskId), event);
    return Effect().persist(batch.entries());
  }
}
