package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.config.TaskSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.agent.AgentEntity;
import dev.troupe.runtime.agent.StepRecord;
import dev.troupe.runtime.approval.Approval;
import dev.troupe.runtime.approval.ApprovalIds;
import dev.troupe.runtime.approval.ApprovalRules;
import dev.troupe.runtime.budget.BudgetLedger;
import dev.troupe.runtime.budget.BudgetRules;
import dev.troupe.runtime.budget.Budgets;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.market.MatchConstraints;
import dev.troupe.runtime.market.MatchReply;
import dev.troupe.runtime.task.TaskEvent.ApprovalRequested;
import dev.troupe.runtime.task.TaskEvent.StepCompleted;
import dev.troupe.runtime.task.TaskEvent.StepEscalated;
import dev.troupe.runtime.task.TaskEvent.StepFailed;
import dev.troupe.runtime.task.TaskEvent.StepPlanned;
import dev.troupe.runtime.task.TaskEvent.StepStarted;
import dev.troupe.runtime.task.TaskEvent.TaskEscalated;
import dev.troupe.runtime.task.TaskEvent.TaskFailed;
import dev.troupe.runtime.task.TaskEvent.TaskSubmitted;
import dev.troupe.runtime.tool.ToolRunner;
import dev.troupe.runtime.workflow.RejectPolicy;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import dev.troupe.sdk.Usage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
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
 * The orchestrator of one task: journals each decision before acting on it, asks the marketplace
 * for the best agent for each attempt of a step, retries retryable failures with backoff on
 * another agent when there is one, and after a restart resumes from its journal (a step in flight
 * is redelivered with the same step id, and the agent answers it from its own journal if it had
 * finished). Lives in Cluster Sharding with remembered entities, so unfinished tasks are started
 * again when the node comes back, without a client asking.
 */
public final class TaskEntity
    extends EventSourcedBehaviorWithEnforcedReplies<TaskEntity.Command, JournalEntry, TaskState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Task");
  public static final String TAG = "task";
  static final String MAIN_STEP = "main";
  static final int MAX_GUIDANCE = 50;
  private static final AuditActor ORCHESTRATOR = AuditActor.system("orchestrator");
  /** Who runs an approved action: the runtime, on a human's approval (which the journal records before). */
  private static final AuditActor APPROVED_ACTION = AuditActor.system("approved-action");

  // ---- protocol ----

  public sealed interface Command extends TroupeSerializable {}

  /** Submit the task; replies once {@code TaskSubmitted} is journaled. */
  public record Submit(TaskRequest request, AuditActor submittedBy, String traceId, ActorRef<SubmitReply> replyTo)
      implements Command {}

  public record Get(ActorRef<GetReply> replyTo) implements Command {}

  /** Replies once the task is COMPLETED, FAILED or CANCELLED (at once if it already is). */
  public record AwaitResult(ActorRef<Result> replyTo) implements Command {}

  /** An agent of step {@code stepId} started the child task {@code childTaskId} (a delegation). */
  public record ChildStarted(String stepId, String childTaskId) implements Command {}

  /** Stop the task: its running steps are cancelled and the reason is recorded. */
  public record Cancel(String reason, AuditActor by, ActorRef<CancelReply> replyTo) implements Command {}

  /**
   * A human's guidance: journaled, given to every step from now on, and when the task is
   * ESCALATED its escalated steps run again with it. Replies once journaled.
   */
  public record GiveGuidance(String text, AuditActor by, String idempotencyKey, ActorRef<GuidanceReply> replyTo)
      implements Command {
    public GiveGuidance(String text, AuditActor by, ActorRef<GuidanceReply> replyTo) {
      this(text, by, null, replyTo);
    }
  }

  public enum Decision { APPROVE, REJECT }

  /**
   * A human's decision on a pending approval. Approve: the action runs once and completes the
   * step. Reject: the step's reject policy applies. Replies once the decision is journaled.
   */
  public record DecideApproval(String approvalId, Decision decision, String comment, AuditActor by,
      ActorRef<DecisionReply> replyTo) implements Command {}

  /** Replies with the approval as the task has it. */
  public record GetApproval(String approvalId, ActorRef<DecisionReply> replyTo) implements Command {}

  /**
   * Reserve a model call's worst case against the task's budget (and, for a child task, its
   * parent's first). Replies once the reservation, or the refusal, is journaled. A call key
   * already reserved is granted again without a second reservation (a redelivered step).
   */
  public record ReserveBudget(String stepId, String callKey, long tokens, java.math.BigDecimal costUsd,
      ActorRef<Budgets.Decision> replyTo) implements Command {}

  /** What a reserved call really used; releases the reservation (in the parent too). */
  public record SettleBudget(String stepId, String callKey, long tokens, java.math.BigDecimal costUsd)
      implements Command {}

  private record ParentDecided(ReserveBudget request, Budgets.Decision decision)
      implements Command {}

  private enum DeadlineReached implements Command { INSTANCE }

  private record ApprovalDue(String approvalId) implements Command {}

  private record ActionFinished(String approvalId, String stepId, int attempt, JsonNode output, String outcome,
      String error, long latencyMs) implements Command {}

  private record StepReported(AgentEntity.StepReport report) implements Command {}

  private record Matched(String stepId, int attempt, boolean excluded, MatchReply reply) implements Command {}

  private record StepTimedOut(String stepId, int attempt) implements Command {}

  private record ChildDue(String stepId, int attempt) implements Command {}

  private record ChildFinished(String stepId, int attempt, String childTaskId, Result result, String failure,
      long durationMs) implements Command {}

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

  public sealed interface CancelReply extends TroupeSerializable {}

  public record Cancelled(TaskState task) implements CancelReply {}

  /** The task had already finished; nothing changed. */
  public record AlreadyFinished(TaskState task) implements CancelReply, GuidanceReply {}

  public sealed interface GuidanceReply extends TroupeSerializable {}

  /** The guidance is journaled; {@code resumedSteps} (the escalated ones) run again with it. */
  public record GuidanceAccepted(TaskState task, List<String> resumedSteps) implements GuidanceReply {}

  /** The same guidance was given before under this Idempotency-Key; nothing was journaled again. */
  public record GuidanceRepeated(TaskState task) implements GuidanceReply {}

  /** The Idempotency-Key was used before for other guidance; nothing was journaled. */
  public record GuidanceConflict(String idempotencyKey) implements GuidanceReply {}

  /**
   * The task already holds {@code limit} pieces of guidance: every step receives all of them, so
   * the list is bounded. Nothing was journaled.
   */
  public record TooMuchGuidance(int limit) implements GuidanceReply {}

  public sealed interface DecisionReply extends TroupeSerializable {}

  /** The approval as the task has it now (after the decision, for {@link DecideApproval}). */
  public record ApprovalFound(TaskState task, Approval approval) implements DecisionReply {}

  /** No approval with this id in this task. */
  public record ApprovalNotFound(String approvalId) implements DecisionReply {}

  /** Decided before (or expired, or withdrawn when its task ended); nothing changed. */
  public record AlreadyDecided(TaskState task, Approval approval) implements DecisionReply {}

  /** A finished task's outcome. */
  public record Result(String taskId, TaskStatus status, JsonNode output, String error) implements TroupeSerializable {}

  // ---- wiring ----

  /**
   * Starts this node's share of the tasks: a sharding region of task orchestrators, remembered, so
   * an unfinished task resumes after a crash or a rebalance without a client asking for it.
   */
  public static void init(ActorSystem<?> system,
      TaskDependencies deps) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY,
            entity -> create(entity, deps))
        .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true)));
  }

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
  private final ActorRef<AgentEntity.StepReport> reportAdapter;
  /** Who waits for the result (delegating agents). Not persisted: they ask again after a restart. */
  private final List<ActorRef<Result>> awaiting = new ArrayList<>();
  /** Reservations a parent task is confirming; not persisted (the agent asks again after a restart). */
  private final Map<String, BudgetLedger.Reservation> pendingReservations = new java.util.HashMap<>();

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
    this.reportAdapter = context.messageAdapter(AgentEntity.StepReport.class, StepReported::new);
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
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          deps.quarantine().recovered(persistenceId().id());
          resume(state);
        })
        .onSignal(org.apache.pekko.persistence.typed.RecoveryFailed.class,
            (state, failed) -> deps.quarantine().failed(persistenceId().id(), failed.getFailure()))
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, JournalEntry, TaskState> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, JournalEntry, TaskState> builder = newCommandHandlerWithReplyBuilder();
    builder.forState(TaskState::isEmpty)
        .onCommand(Submit.class, this::onFirstSubmit)
        .onCommand(Get.class, this::onGetMissing)
        .onCommand(AwaitResult.class, (state, await) -> Effect().reply(await.replyTo(),
            new Result(taskId, null, null, "no task " + taskId)))
        .onCommand(Cancel.class, (state, cancel) -> Effect().reply(cancel.replyTo(), new AlreadyFinished(state)))
        .onCommand(GiveGuidance.class, (state, give) -> Effect().reply(give.replyTo(), new AlreadyFinished(state)))
        .onCommand(DecideApproval.class, (state, decide) -> Effect().none().thenRun(s -> passivate())
            .thenReply(decide.replyTo(), s -> new ApprovalNotFound(decide.approvalId())))
        .onCommand(GetApproval.class, (state, get) -> Effect().none().thenRun(s -> passivate())
            .thenReply(get.replyTo(), s -> new ApprovalNotFound(get.approvalId())))
        .onCommand(ReserveBudget.class, (state, reserve) -> Effect().reply(reserve.replyTo(),
            Budgets.Decision.refused("no task " + taskId)))
        // A child naming a parent that does not exist: nothing to keep in memory.
        .onCommand(ChildStarted.class, (state, started) -> Effect().none().thenRun(s -> passivate()).thenNoReply())
        .onAnyCommand(command -> Effect().noReply());
    builder.forState(TaskState::isFinished)
        .onCommand(Submit.class, this::onRepeatSubmit)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), new Found(state)))
        .onCommand(AwaitResult.class, (state, await) -> Effect().reply(await.replyTo(), result(state)))
        .onCommand(Cancel.class, (state, cancel) -> Effect().reply(cancel.replyTo(), new AlreadyFinished(state)))
        .onCommand(GiveGuidance.class, (state, give) -> Effect().reply(give.replyTo(),
            repeatedGuidance(state, give).orElse(new AlreadyFinished(state))))
        .onCommand(DecideApproval.class, (state, decide) -> Effect().reply(decide.replyTo(),
            state.approval(decide.approvalId()).<DecisionReply>map(a -> new AlreadyDecided(state, a))
                .orElse(new ApprovalNotFound(decide.approvalId()))))
        .onCommand(GetApproval.class, this::onGetApproval)
        .onCommand(ReserveBudget.class, (state, reserve) -> Effect().reply(reserve.replyTo(),
            state.ledger().reserved().containsKey(reserve.callKey()) ? Budgets.Decision.GRANTED
                : Budgets.Decision.refused("task " + taskId + " already finished as " + state.status())))
        .onCommand(ParentDecided.class, this::onParentDecidedAfterFinish)
        .onCommand(SettleBudget.class, this::onSettle)
        .onCommand(ActionFinished.class, this::onActionFinished)
        .onCommand(IdleTimeout.class, (state, idle) -> Effect().none().thenRun(s -> passivate()).thenNoReply())
        .onCommand(ChildStarted.class, this::onChildStartedAfterFinish)
        // Timers, matches, reports and children that arrive after the end change nothing.
        .onAnyCommand(command -> Effect().noReply());
    builder.forState(TaskState::isActive)
        .onCommand(Submit.class, this::onRepeatSubmit)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), new Found(state)))
        .onCommand(AwaitResult.class, (state, await) -> {
          awaiting.add(await.replyTo());
          return Effect().noReply();
        })
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(GiveGuidance.class, this::onGuidance)
        .onCommand(DecideApproval.class, this::onDecide)
        .onCommand(GetApproval.class, this::onGetApproval)
        .onCommand(ApprovalDue.class, this::onApprovalDue)
        .onCommand(ReserveBudget.class, this::onReserve)
        .onCommand(ParentDecided.class, this::onParentDecided)
        .onCommand(SettleBudget.class, this::onSettle)
        .onCommand(ActionFinished.class, this::onActionFinished)
        .onCommand(DeadlineReached.class, this::onDeadline)
        .onCommand(Matched.class, this::onMatched)
        .onCommand(StepReported.class, this::onStepReported)
        .onCommand(StepTimedOut.class, this::onStepTimedOut)
        .onCommand(ChildDue.class, this::onChildDue)
        .onCommand(ChildFinished.class, this::onChildFinished)
        .onCommand(RetryDue.class, this::onRetryDue)
        // A child says it started (stepId null) or a delegating agent names it; known ones change nothing.
        .onCommand(ChildStarted.class, (state, started) -> started.stepId() == null
                || state.childTaskIds().contains(started.childTaskId())
            ? Effect().noReply()
            : persist(state, ORCHESTRATOR, new TaskEvent.ChildTaskStarted(started.stepId(), started.childTaskId()))
                .thenNoReply())
        .onCommand(IdleTimeout.class, (state, idle) -> Effect().noReply()); // an active task stays
    return builder.build();
  }

  // ---- commands ----

  private ReplyEffect<JournalEntry, TaskState> onFirstSubmit(TaskState state, Submit submit) {
    TaskRequest request = submit.request();
    PinnedWorkflow workflow = request.workflow();
    TaskSubmitted submitted = new TaskSubmitted(taskId, request.tenant(), request.capability(),
        workflow == null ? null : workflow.name(), workflow == null ? null : workflow.version(), request.goal(),
        request.parentTaskId(), request.input(), request.budget().maxTokens(), request.budget().maxCostUsd(),
        request.deadline(), request.priority(), request.labels(), request.requestHash());
    Journaling journaling = new Journaling(state, submit.traceId());
    journaling.add(submit.submittedBy(), submitted);
    if (workflow != null) {
      journaling.add(ORCHESTRATOR, new TaskEvent.WorkflowPinned(workflow.name(), workflow.version(),
          workflow.definition()));
    }
    return journaling.planAndPersist()
        .thenRun(s -> {
          scheduleDeadline(s);
          if (s.parentTaskId() != null) {
            deps.children().started(s.parentTaskId(), taskId);
          }
        })
        .thenReply(submit.replyTo(), s -> new Accepted(taskId, s.traceId(), TaskStatus.ACCEPTED, true));
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

  private ReplyEffect<JournalEntry, TaskState> onGetApproval(TaskState state, GetApproval get) {
    return Effect().reply(get.replyTo(), state.approval(get.approvalId())
        .<DecisionReply>map(a -> new ApprovalFound(state, a)).orElse(new ApprovalNotFound(get.approvalId())));
  }

  private ReplyEffect<JournalEntry, TaskState> onMatched(TaskState state, Matched matched) {
    Optional<StepState> step = state.step(matched.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.PENDING || step.get().attempts() != matched.attempt() - 1) {
      return Effect().noReply(); // the step moved on while the marketplace answered
    }
    if (matched.reply() instanceof MatchReply.CapabilityMatch match) {
      String agentId = match.ranked().get(0).agentId();
      StepStarted started = new StepStarted(step.get().stepId(), step.get().name(), step.get().capability(), agentId,
          matched.attempt(), TaskEvent.MarketChoice.of(match));
      return persist(state, ORCHESTRATOR, started).thenRun(s -> dispatch(s, matched.stepId())).thenNoReply();
    }
    if (matched.excluded()) {
      // Every other agent is unavailable too: the ones that failed before may still do.
      return Effect().none().thenRun(s -> requestMatch(s, matched.stepId(), matched.attempt(), false)).thenNoReply();
    }
    String reason = matched.reply() == null
        ? "the marketplace did not answer within the step's wait for a free agent plus "
            + deps.settings().matchTimeout()
        : MatchReply.describe(matched.reply());
    // No agent took this attempt; it counts, so a capability nobody offers cannot retry forever.
    return onAttemptFailed(state, step.get().asAttempt(matched.attempt()), null, reason, true, Usage.NONE, 0,
        ORCHESTRATOR, null);
  }

  private ReplyEffect<JournalEntry, TaskState> onStepReported(TaskState state, StepReported reported) {
    AgentEntity.StepReport report = reported.report();
    Optional<StepState> step = state.step(report.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.RUNNING
        || state.approvedActionOf(step.get()).isPresent()) {
      return Effect().noReply(); // a late report of an attempt that already ended
    }
    AuditActor agent = AuditActor.agent(report.agentId());
    if (report.outcome() instanceof StepOutcome.Completed done) {
      timers.cancel(report.stepId());
      Journaling journaling = new Journaling(state, state.traceId());
      Optional<String> review = ApprovalRules.reviewReason(state.plan(), step.get().name(), done.confidence());
      if (review.isPresent()) {
        // A human sees the output before it feeds the next step.
        String approvalId = ApprovalIds.of(taskId, report.stepId(), report.attempt());
        journaling.add(agent, new ApprovalRequested(approvalId, report.stepId(), report.agentId(), report.attempt(),
            null, done.output(), true, review.get(),
            deps.clock().instant().plus(deps.settings().approvalExpiry()), report.usage(), report.latencyMs(),
            ApprovalRequested.REVIEW, done.confidence(), report.record()));
        return journaling.persist().thenRun(s -> s.approval(approvalId).ifPresent(this::scheduleExpiry))
            .thenNoReply();
      }
      journaling.add(agent, new StepCompleted(report.stepId(), report.agentId(), report.attempt(), done.output(),
          done.confidence(), report.usage(), report.latencyMs(), report.record()));
      return journaling.planAndPersist().thenNoReply();
    }
    if (report.attempt() != step.get().attempts()) {
      return Effect().noReply(); // an outcome of an attempt we already gave up on
    }
    timers.cancel(report.stepId());
    if (report.outcome() instanceof StepOutcome.Escalate escalate) {
      Journaling journaling = new Journaling(state, state.traceId());
      journaling.add(agent, new StepEscalated(report.stepId(), report.agentId(), report.attempt(),
          escalate.reason(), report.usage(), report.latencyMs(), report.record()));
      journaling.add(ORCHESTRATOR,
          new TaskEscalated("agent " + report.agentId() + " asks for a human: " + escalate.reason()));
      return journaling.persist().thenNoReply();
    }
    if (report.outcome() instanceof StepOutcome.ProposeAction proposal) {
      boolean reversible = deps.tools().tool(proposal.tool()).map(Tool::spec).map(s -> s.reversible()).orElse(false);
      Journaling journaling = new Journaling(state, state.traceId());
      String approvalId = ApprovalIds.of(taskId, report.stepId(), report.attempt());
      journaling.add(agent, new ApprovalRequested(approvalId,
          report.stepId(), report.agentId(), report.attempt(), proposal.tool(), proposal.input(), reversible,
          proposal.reason(), deps.clock().instant().plus(deps.settings().approvalExpiry()), report.usage(),
          report.latencyMs(), ApprovalRequested.ACTION, null, report.record()));
      return journaling.persist().thenRun(s -> s.approval(approvalId).ifPresent(this::scheduleExpiry)).thenNoReply();
    }
    StepOutcome.Failed failed = (StepOutcome.Failed) report.outcome();
    return onAttemptFailed(state, step.get(), report.agentId(), failed.reason(), failed.retryable(),
        report.usage(), report.latencyMs(), agent, report.record());
  }

  private ReplyEffect<JournalEntry, TaskState> onStepTimedOut(TaskState state, StepTimedOut timeout) {
    Optional<StepState> step = state.step(timeout.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.RUNNING || step.get().attempts() != timeout.attempt()
        || state.approvedActionOf(step.get()).isPresent()) {
      return Effect().noReply();
    }
    Duration limit = stepTimeout(state, step.get());
    return onAttemptFailed(state, step.get(), step.get().agentId(), "step timed out after " + limit, true,
        Usage.NONE, limit.toMillis(), ORCHESTRATOR, null);
  }

  private ReplyEffect<JournalEntry, TaskState> onAttemptFailed(
      TaskState state, StepState step, String agentId, String reason, boolean retryable, Usage usage,
      long durationMs, AuditActor reporter, StepRecord record) {
    boolean willRetry = retryable && step.attemptsSinceResumed() < deps.settings().maxAttempts();
    Journaling journaling = new Journaling(state, state.traceId());
    StepFailed failed = new StepFailed(step.stepId(), agentId, step.attempts(), reason, retryable, willRetry, usage,
        durationMs, record);
    if (retryable && !willRetry && deps.settings().onRetriesExhausted() == TaskSettings.RetriesExhausted.ESCALATE
        && failureMatters(state, step, failed, reporter)) {
      // A human decides: guidance runs the step again (as its next attempt), cancel ends the task.
      String why = "step " + step.name() + " used up its " + step.attemptsSinceResumed() + " attempts: " + reason;
      journaling.add(reporter, new StepEscalated(step.stepId(), agentId, step.attempts(), why, usage, durationMs,
          record));
      journaling.add(ORCHESTRATOR, new TaskEscalated(why));
      return journaling.persist().thenNoReply();
    }
    journaling.add(reporter, failed);
    if (willRetry) {
      return journaling.persist()
          .thenRun(s -> scheduleRetry(step.stepId(), step.attempts()))
          .thenNoReply();
    }
    // The workflow decides what a failed step means: the task fails, or a fan-out carries on.
    return journaling.planAndPersist().thenNoReply();
  }

  /**
   * Whether the task could not finish if this run failed: a run of an any or quorum fan-out may
   * fail without that, and is then not worth a human's time.
   */
  private boolean failureMatters(TaskState state, StepState step, StepFailed failed, AuditActor reporter) {
    Journaling trial = new Journaling(state, state.traceId());
    trial.add(reporter, failed);
    return WorkflowPlanner.cannotFinish(trial.state);
  }

  private ReplyEffect<JournalEntry, TaskState> onCancel(TaskState state, Cancel cancel) {
    Journaling journaling = new Journaling(state, state.traceId());
    cancelRuns(state, journaling, cancel.by(), "the task was cancelled: " + cancel.reason());
    journaling.add(cancel.by(), new TaskEvent.TaskCancelled(cancel.reason(), state.usage()));
    return journaling.persist()
        .thenRun(this::finished)
        .thenReply(cancel.replyTo(), Cancelled::new);
  }

  private ReplyEffect<JournalEntry, TaskState> onGuidance(TaskState state, GiveGuidance give) {
    Optional<GuidanceReply> repeated = repeatedGuidance(state, give);
    if (repeated.isPresent()) {
      return Effect().reply(give.replyTo(), repeated.get());
    }
    if (state.guidance().size() >= MAX_GUIDANCE) {
      return Effect().reply(give.replyTo(), new TooMuchGuidance(MAX_GUIDANCE));
    }
    // By step status, not task status: another branch may have asked for approval since.
    List<String> resumed = state.steps().stream()
        .filter(step -> step.status() == StepStatus.ESCALATED).map(StepState::stepId).toList();
    Journaling journaling = new Journaling(state, state.traceId());
    journaling.add(give.by(), new TaskEvent.GuidanceGiven(give.text(), resumed, give.idempotencyKey()));
    // What finished while the task waited (a branch, a join) is decided now, before anything reruns.
    return journaling.planAndPersist()
        .thenRun(s -> resumed.forEach(stepId -> s.step(stepId)
            .filter(step -> step.status() == StepStatus.PENDING && !s.status().isFinal())
            .ifPresent(step -> requestMatch(s, stepId, step.attempts() + 1, true))))
        .thenReply(give.replyTo(), s -> new GuidanceAccepted(s, resumed));
  }

  /** The answer to guidance given again with the same idempotency key, if it is that. */
  private static Optional<GuidanceReply> repeatedGuidance(TaskState state, GiveGuidance give) {
    if (give.idempotencyKey() == null || !state.guidanceKeys().containsKey(give.idempotencyKey())) {
      return Optional.empty();
    }
    return Optional.of(state.guidanceKeys().get(give.idempotencyKey()).equals(give.text())
        ? new GuidanceRepeated(state) : new GuidanceConflict(give.idempotencyKey()));
  }

  private ReplyEffect<JournalEntry, TaskState> onDecide(TaskState state, DecideApproval decide) {
    Optional<Approval> approval = state.approval(decide.approvalId());
    if (approval.isEmpty()) {
      return Effect().reply(decide.replyTo(), new ApprovalNotFound(decide.approvalId()));
    }
    if (!approval.get().status().isOpen()) {
      return Effect().reply(decide.replyTo(), new AlreadyDecided(state, approval.get()));
    }
    String approvalId = approval.get().approvalId();
    timers.cancel(expiryTimer(approvalId));
    ApprovalRules.Ruling ruling = decide.decision() == Decision.APPROVE
        ? ApprovalRules.approve(approval.get(), decide.comment())
        : ApprovalRules.reject(approval.get(), decide.comment(), rejectPolicy(state, approval.get()));
    return journal(state, ruling, decide.by(), approval.get())
        .thenReply(decide.replyTo(), s -> new ApprovalFound(s, s.approval(approvalId).orElseThrow()));
  }

  private ReplyEffect<JournalEntry, TaskState> onApprovalDue(TaskState state, ApprovalDue due) {
    Optional<Approval> approval = state.approval(due.approvalId());
    if (approval.isEmpty() || !approval.get().status().isOpen()) {
      return Effect().noReply();
    }
    ApprovalRules.Ruling ruling = ApprovalRules.expire(approval.get(), deps.settings().onApprovalExpiry(),
        rejectPolicy(state, approval.get()));
    return journal(state, ruling, ORCHESTRATOR, approval.get()).thenNoReply();
  }

  /** Journals an approval's ruling, each event as its author, then does what the ruling says. */
  private EffectBuilder<JournalEntry, TaskState> journal(TaskState state, ApprovalRules.Ruling ruling,
      AuditActor approver, Approval approval) {
    Journaling journaling = new Journaling(state, state.traceId());
    for (ApprovalRules.Journaled event : ruling.events()) {
      AuditActor author = switch (event.author()) {
        case APPROVER -> approver;
        case AGENT -> AuditActor.agent(approval.agentId());
        case ORCHESTRATOR -> ORCHESTRATOR;
      };
      journaling.add(author, event.event());
    }
    return switch (ruling.then()) {
      case PLAN -> journaling.planAndPersist();
      case RUN_ACTION -> journaling.persist()
          .thenRun(s -> s.approval(approval.approvalId()).ifPresent(a -> runApprovedAction(a, false)));
      case WAIT -> journaling.persist();
    };
  }

  private static RejectPolicy rejectPolicy(TaskState state, Approval approval) {
    return ApprovalRules.rejectPolicy(state.plan(), state.step(approval.stepId()).map(StepState::name).orElse(""));
  }

  private ReplyEffect<JournalEntry, TaskState> onActionFinished(TaskState state, ActionFinished finished) {
    Optional<Approval> approval = state.approval(finished.approvalId()).filter(Approval::awaitsResult);
    if (approval.isEmpty()) {
      return Effect().noReply(); // its result is journaled already
    }
    Approval action = approval.get();
    Journaling journaling = new Journaling(state, state.traceId());
    var maskedIn = deps.redactor().redact(action.input());
    var maskedOut = deps.redactor().redact(finished.output());
    List<String> redactions = new ArrayList<>(maskedIn.summary("input"));
    redactions.addAll(maskedOut.summary("output"));
    String error = deps.redactor().redactText(finished.error());
    journaling.add(APPROVED_ACTION, new TaskEvent.ApprovedActionRan(action.approvalId(), action.stepId(), action.tool(),
        maskedIn.json(), maskedOut.json(), finished.latencyMs(), finished.outcome(), error,
        redactions.isEmpty() ? null : redactions));
    Optional<StepState> step = state.step(finished.stepId());
    boolean stepWaits = step.isPresent() && step.get().attempts() == finished.attempt() && !state.status().isFinal()
        && state.approvedActionOf(step.get()).filter(a -> a.approvalId().equals(action.approvalId())).isPresent();
    if (!stepWaits) {
      // The task moved on (cancelled, past its deadline) while the action ran: the journal still
      // says what the approved action did.
      return journaling.persist().thenNoReply();
    }
    Usage oneToolCall = new Usage(0, 0, java.math.BigDecimal.ZERO, 0, 1);
    if (finished.error() == null) {
      com.fasterxml.jackson.databind.node.ObjectNode output =
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      output.put("approved", true).put("approvalId", action.approvalId()).put("tool", action.tool());
      output.set("result", finished.output());
      journaling.add(APPROVED_ACTION, new StepCompleted(action.stepId(), action.agentId(), action.attempt(), output,
          1.0, oneToolCall, finished.latencyMs()));
      return journaling.planAndPersist().thenNoReply();
    }
    // A human approved this exact action; whether to try again (or something else) is theirs to say.
    String why = "approved action " + action.tool() + " (" + action.approvalId() + ") " + error;
    journaling.add(APPROVED_ACTION, new StepEscalated(action.stepId(), action.agentId(), action.attempt(), why,
        oneToolCall, finished.latencyMs()));
    journaling.add(ORCHESTRATOR, new TaskEscalated(why));
    return journaling.persist().thenNoReply();
  }

  private ReplyEffect<JournalEntry, TaskState> onReserve(TaskState state, ReserveBudget reserve) {
    BudgetRules.Verdict verdict = BudgetRules.reserve(state.ledger(), state.budget(), state.parentTaskId(),
        pendingReservations.values(), pendingReservations.containsKey(reserve.callKey()), reserve.callKey(),
        reserve.tokens(), reserve.costUsd());
    if (verdict instanceof BudgetRules.AlreadyReserved) {
      return Effect().reply(reserve.replyTo(), Budgets.Decision.GRANTED);
    }
    if (verdict instanceof BudgetRules.Refuse refuse) {
      return refuse(state, reserve, refuse.reason());
    }
    if (verdict instanceof BudgetRules.Pending pending) {
      return Effect().reply(reserve.replyTo(), Budgets.Decision.refused(pending.reason()));
    }
    if (verdict instanceof BudgetRules.AskParent ask) {
      // Until the parent answers, the reservation counts here as pending.
      pendingReservations.put(reserve.callKey(), new BudgetLedger.Reservation(reserve.stepId(), reserve.tokens(),
          reserve.costUsd()));
      context.pipeToSelf(deps.budgets().reserve(ask.parentTaskId(), reserve.stepId(), reserve.callKey(),
              reserve.tokens(), reserve.costUsd()),
          (decision, error) -> new ParentDecided(reserve, error == null ? decision
              : Budgets.Decision.refused("the parent task " + ask.parentTaskId()
                  + " did not confirm the reservation: " + error.getMessage())));
      return Effect().noReply();
    }
    return grant(state, reserve);
  }

  private ReplyEffect<JournalEntry, TaskState> onParentDecided(TaskState state, ParentDecided decided) {
    pendingReservations.remove(decided.request().callKey());
    ReserveBudget reserve = decided.request();
    if (!decided.decision().granted()) {
      return refuse(state, reserve, "the parent task's budget: " + decided.decision().reason());
    }
    return grant(state, reserve);
  }

  private ReplyEffect<JournalEntry, TaskState> onParentDecidedAfterFinish(TaskState state, ParentDecided decided) {
    pendingReservations.remove(decided.request().callKey());
    ReserveBudget reserve = decided.request();
    if (decided.decision().granted()) {
      // Granted upstream for a task that ended meanwhile: give it back there.
      deps.budgets().settle(state.parentTaskId(), reserve.stepId(), reserve.callKey(), 0, java.math.BigDecimal.ZERO);
    }
    return Effect().reply(reserve.replyTo(), Budgets.Decision.refused(
        "task " + taskId + " already finished as " + state.status()));
  }

  private ReplyEffect<JournalEntry, TaskState> grant(TaskState state, ReserveBudget reserve) {
    return persist(state, ORCHESTRATOR, new TaskEvent.BudgetReserved(reserve.callKey(), reserve.stepId(),
        reserve.tokens(), reserve.costUsd()))
        .thenReply(reserve.replyTo(), s -> Budgets.Decision.GRANTED);
  }

  private ReplyEffect<JournalEntry, TaskState> refuse(TaskState state, ReserveBudget reserve, String why) {
    return persist(state, ORCHESTRATOR, new TaskEvent.BudgetRefused(reserve.callKey(), reserve.stepId(),
        reserve.tokens(), reserve.costUsd(), why))
        .thenReply(reserve.replyTo(), s -> Budgets.Decision.refused(why));
  }

  private ReplyEffect<JournalEntry, TaskState> onSettle(TaskState state, SettleBudget settle) {
    if (!state.ledger().reserved().containsKey(settle.callKey())) {
      return Effect().noReply(); // settled before (a repeated message)
    }
    return persist(state, ORCHESTRATOR, new TaskEvent.BudgetSettled(settle.callKey(), settle.stepId(),
        settle.tokens(), settle.costUsd()))
        .thenRun(s -> {
          if (s.parentTaskId() != null) {
            deps.budgets().settle(s.parentTaskId(), settle.stepId(), settle.callKey(), settle.tokens(),
                settle.costUsd());
          }
        })
        .thenNoReply();
  }

  private ReplyEffect<JournalEntry, TaskState> onDeadline(TaskState state, DeadlineReached deadline) {
    String why = "the task's deadline of " + state.deadline() + " passed";
    Journaling journaling = new Journaling(state, state.traceId());
    cancelRuns(state, journaling, ORCHESTRATOR, why);
    journaling.add(ORCHESTRATOR, new TaskFailed(why, state.usage()));
    return journaling.persist().thenRun(this::finished).thenNoReply();
  }

  private void cancelRuns(TaskState state, Journaling journaling, AuditActor by, String reason) {
    for (StepState run : state.steps()) {
      if (!run.isTerminal()) {
        timers.cancel(run.stepId());
        timers.cancel("retry-" + run.stepId());
        journaling.add(by, new TaskEvent.StepCancelled(run.stepId(), reason));
      }
    }
  }

  /** A stopped task's children stop too; each cascades to its own. */
  private void cancelChildren(TaskState state, String reason, AuditActor by) {
    for (String child : state.childTaskIds()) {
      deps.children().cancel(child, reason, by);
    }
  }

  /** A child started after its parent ended: a parent that was stopped stops it at once. */
  private ReplyEffect<JournalEntry, TaskState> onChildStartedAfterFinish(TaskState state, ChildStarted started) {
    if (state.status() != TaskStatus.COMPLETED) {
      deps.children().cancel(started.childTaskId(), "the parent task " + taskId + " had already ended "
          + state.status(), ORCHESTRATOR);
    }
    return Effect().noReply();
  }

  private ReplyEffect<JournalEntry, TaskState> onRetryDue(TaskState state, RetryDue retry) {
    Optional<StepState> step = state.step(retry.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.PENDING) {
      return Effect().noReply();
    }
    return Effect().none()
        .thenRun(s -> requestMatch(s, retry.stepId(), step.get().attempts() + 1, true))
        .thenNoReply();
  }

  // ---- effects ----

  /** After recovery: pick up where the journal says the task was. */
  private void resume(TaskState state) {
    if (state.isEmpty()) {
      return;
    }
    if (state.status().isFinal()) {
      stopChildren(state);
      scheduleIdlePassivation();
      return;
    }
    scheduleDeadline(state);
    if (state.parentTaskId() != null) {
      deps.children().started(state.parentTaskId(), taskId); // again: the first word may have been lost
    }
    state.approvals().stream().filter(a -> a.status().isOpen()).forEach(this::scheduleExpiry);
    for (StepState step : state.steps()) {
      Optional<Approval> approvedAction = state.approvedActionOf(step);
      if (approvedAction.isPresent()) {
        context.getLog().info("Task {} resumes approved action {}", taskId, approvedAction.get().approvalId());
        runApprovedAction(approvedAction.get(), true);
      } else if (step.status() == StepStatus.RUNNING) {
        context.getLog().info("Task {} resumes step {} (attempt {})", taskId, step.stepId(), step.attempts());
        dispatch(state, step.stepId());
      } else if (step.status() == StepStatus.PENDING && step.attempts() == 0) {
        requestMatch(state, step.stepId(), 1, true);
      } else if (step.status() == StepStatus.PENDING) {
        scheduleRetry(step.stepId(), step.attempts());
      }
    }
  }

  /**
   * Runs the action a human approved, keyed by the approval id so an idempotent tool recognises
   * a repeat. After a restart interrupted it, a tool that is not idempotent is not run again: the
   * outcome is in doubt and a human decides.
   */
  private void runApprovedAction(Approval approval, boolean interrupted) {
    Optional<Tool> tool = deps.tools().tool(approval.tool());
    if (tool.isEmpty()) {
      context.getSelf().tell(new ActionFinished(approval.approvalId(), approval.stepId(), approval.attempt(), null,
          "failed", "could not run: no tool " + approval.tool() + " is registered on this node", 0));
      return;
    }
    ToolSpec spec = tool.get().spec();
    if (interrupted && !spec.idempotent()) {
      context.getSelf().tell(new ActionFinished(approval.approvalId(), approval.stepId(), approval.attempt(), null,
          "in-doubt", "was interrupted and " + approval.tool()
          + " is not idempotent: it may or may not have happened, so it is not run again", 0));
      return;
    }
    ToolCall call = new ToolCall(taskId, approval.stepId(), approval.agentId(), approval.approvalId(),
        approval.input());
    String success = interrupted ? "reconciled" : "ok";
    context.pipeToSelf(ToolRunner.run(tool.get(), call, deps.toolExecutor()), (ran, error) -> {
      if (ran != null && ran.ok()) {
        return new ActionFinished(approval.approvalId(), approval.stepId(), approval.attempt(), ran.output(), success,
            null, ran.latencyMs());
      }
      Throwable cause = ran == null ? error : ran.failure();
      boolean timedOut = ran != null && ran.timedOut();
      return new ActionFinished(approval.approvalId(), approval.stepId(), approval.attempt(), null,
          timedOut ? "timeout" : "failed",
          timedOut ? "did not answer within " + spec.timeout() : "failed: " + (cause.getMessage() == null
              ? cause.getClass().getSimpleName() : cause.getMessage()), ran == null ? 0 : ran.latencyMs());
    });
  }

  private void scheduleExpiry(Approval approval) {
    Duration left = Duration.between(deps.clock().instant(), approval.expiresAt());
    timers.startSingleTimer(expiryTimer(approval.approvalId()), new ApprovalDue(approval.approvalId()),
        left.isNegative() ? Duration.ZERO : left);
  }

  private static String expiryTimer(String approvalId) {
    return "expiry-" + approvalId;
  }

  /** Asks the marketplace for an agent for {@code attempt}; the answer comes back as {@link Matched}. */
  private void requestMatch(TaskState state, String stepId, int attempt, boolean excludeFailedAgents) {
    StepState step = state.step(stepId).orElseThrow();
    if (step.workflow() != null) {
      context.getSelf().tell(new ChildDue(stepId, attempt)); // a workflow subtask: no agent, a child task
      return;
    }
    Set<String> exclude = excludeFailedAgents ? Set.copyOf(step.failedAgents()) : Set.of();
    MatchConstraints constraints = new MatchConstraints(state.budget().maxCostUsd(), state.deadline());
    // Busy agents are not a failure: the step waits in the capability's line for as long as an
    // attempt may run (and no longer than the task's deadline allows).
    Duration stepTimeout = stepTimeout(state, step);
    Duration wait = timeLeft(state).filter(left -> left.compareTo(stepTimeout) < 0).orElse(stepTimeout);
    // Not context.ask: its Java form completes through a Scala future whose plain stages start a
    // thread each on a small machine (see PlainFutures); one per step adds up.
    var reply = dev.troupe.runtime.PlainFutures.of(
        org.apache.pekko.actor.typed.javadsl.AskPattern.<MarketplaceRegistry.Command, MatchReply>ask(deps.registry(),
            replyTo -> new MarketplaceRegistry.Match(step.capability(), constraints, exclude,
                state.priority().ordinal(), wait, replyTo),
            wait.plus(deps.settings().matchTimeout()), context.getSystem().scheduler()));
    context.pipeToSelf(reply, (match, error) -> new Matched(stepId, attempt, !exclude.isEmpty(), match));
  }

  private void dispatch(TaskState state, String stepId) {
    StepState step = state.step(stepId).orElseThrow();
    if (step.workflow() != null) {
      runChild(state, step);
      return;
    }
    timers.startSingleTimer(stepId, new StepTimedOut(stepId, step.attempts()), stepTimeout(state, step));
    deps.agents().runStep(step.agentId(), new AgentEntity.RunStep(taskId, stepId, step.attempts(),
        step.capability(), step.input() == null ? state.input() : step.input(), state.goal(), state.guidance(),
        dependencies(state, step), state.tenant(), state.traceId(), reportAdapter,
        state.budget().isLimited() || state.parentTaskId() != null));
  }

  private ReplyEffect<JournalEntry, TaskState> onChildDue(TaskState state, ChildDue due) {
    Optional<StepState> step = state.step(due.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.PENDING || step.get().attempts() != due.attempt() - 1) {
      return Effect().noReply();
    }
    StepStarted started = new StepStarted(due.stepId(), step.get().name(), null, "task:" + childTaskId(due.stepId()),
        due.attempt());
    return persist(state, ORCHESTRATOR, started).thenRun(s -> dispatch(s, due.stepId())).thenNoReply();
  }

  private void runChild(TaskState state, StepState step) {
    String childId = childTaskId(step.stepId());
    java.time.Instant started = deps.clock().instant();
    context.pipeToSelf(deps.children().run(childId, step.workflow(), step.input(), state.tenant(), taskId,
            state.traceId()),
        (result, error) -> new ChildFinished(step.stepId(), step.attempts(), childId, result,
            error == null ? null : String.valueOf(error.getCause() != null ? error.getCause().getMessage()
                : error.getMessage()),
            Duration.between(started, deps.clock().instant()).toMillis()));
  }

  private ReplyEffect<JournalEntry, TaskState> onChildFinished(TaskState state, ChildFinished finished) {
    Optional<StepState> step = state.step(finished.stepId());
    if (step.isEmpty() || step.get().status() != StepStatus.RUNNING || step.get().attempts() != finished.attempt()) {
      return Effect().noReply();
    }
    String agentId = "task:" + finished.childTaskId();
    Result result = finished.result();
    if (result != null && result.status() == TaskStatus.COMPLETED) {
      Journaling journaling = new Journaling(state, state.traceId());
      journaling.add(ORCHESTRATOR, new StepCompleted(finished.stepId(), agentId, finished.attempt(), result.output(),
          1.0, Usage.NONE, finished.durationMs()));
      return journaling.planAndPersist().thenNoReply();
    }
    // A child that ended badly will not do better when awaited again; one that did not answer in time may.
    boolean retryable = result == null;
    String reason = result == null
        ? "child task " + finished.childTaskId() + " did not finish in time: " + finished.failure()
        : "child task " + finished.childTaskId() + " ended " + result.status() + ": " + result.error();
    return onAttemptFailed(state, step.get(), agentId, reason, retryable, Usage.NONE, finished.durationMs(),
        ORCHESTRATOR, null);
  }

  /** The id of the child task a workflow subtask runs as: the same for every attempt of the step. */
  public static String childTaskId(String stepId) {
    byte[] digest = CanonicalJson.sha256().digest(("child:" + stepId).getBytes(StandardCharsets.UTF_8));
    return "tsk_" + HexFormat.of().formatHex(digest, 0, 16);
  }

  /** The workflow step's own timeout, or the node's. */
  private Duration stepTimeout(TaskState state, StepState step) {
    return state.plan().step(step.name()).map(s -> s.timeout()).filter(t -> t != null)
        .orElse(deps.settings().stepTimeout());
  }

  /** The outputs of the steps this one waits for, by step name. */
  private static Map<String, JsonNode> dependencies(TaskState state, StepState step) {
    Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
    state.plan().step(step.name()).ifPresent(def -> def.after().forEach(dep ->
        state.plan().step(dep).ifPresent(d -> out.put(dep, WorkflowPlanner.logicalOutput(state, d)))));
    return out;
  }

  private void scheduleDeadline(TaskState state) {
    if (state.status().isFinal()) {
      return;
    }
    timeLeft(state).ifPresent(left ->
        timers.startSingleTimer(DeadlineReached.INSTANCE, DeadlineReached.INSTANCE, left));
  }

  /** How long until the task's deadline (zero once it has passed); empty without a deadline. */
  private Optional<Duration> timeLeft(TaskState state) {
    if (state.deadline() == null) {
      return Optional.empty();
    }
    Duration left = Duration.between(deps.clock().instant(), state.createdAt().plus(state.deadline()));
    return Optional.of(left.isNegative() ? Duration.ZERO : left);
  }

  private void scheduleRetry(String stepId, int failedAttempt) {
    Duration base = deps.settings().retryBackoff();
    long factor = 1L << Math.min(failedAttempt - 1, 20);
    Duration delay = base.multipliedBy(factor);
    // Jitter spreads retries of many tasks that failed together.
    long jitterMillis = (long) (delay.toMillis() * 0.2 * Math.random());
    timers.startSingleTimer("retry-" + stepId, new RetryDue(stepId), delay.plusMillis(jitterMillis));
  }

  private void finished(TaskState state) {
    Result result = result(state);
    awaiting.forEach(waiter -> waiter.tell(result));
    awaiting.clear();
    stopChildren(state);
    scheduleIdlePassivation();
  }

  /**
   * A task that ended without completing (cancelled, past its deadline, failed) stops the child
   * tasks it started; they cascade. Sent again whenever such a task recovers, so a crash right
   * after the end does not leave children running (a child that has ended answers at once).
   */
  private void stopChildren(TaskState state) {
    if (state.status() == TaskStatus.COMPLETED || state.childTaskIds().isEmpty()) {
      return;
    }
    String why = "the parent task " + taskId + " ended " + state.status()
        + (state.error() == null ? "" : ": " + state.error());
    cancelChildren(state, why, ORCHESTRATOR);
  }

  private Result result(TaskState state) {
    return new Result(taskId, state.status(), state.output(), state.error());
  }

  private void scheduleIdlePassivation() {
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

  /**
   * Events of one command, stamped and folded as they are added, so the workflow planner can
   * decide on the state they lead to; all of them are then persisted atomically.
   */
  private final class Journaling {
    private TaskState state;
    private final String traceId;
    private final AuditChain.Batch batch;
    private final List<TaskEvent> decided = new ArrayList<>();

    Journaling(TaskState state, String traceId) {
      this.state = state;
      this.traceId = traceId;
      this.batch = deps.chain().after(state.chainHead());
    }

    void add(AuditActor actor, DomainEvent event) {
      batch.add(audit(actor, traceId), event);
      List<JournalEntry> entries = batch.entries();
      state = state.apply(entries.get(entries.size() - 1));
    }

    /** Adds what the planner decides, until it decides nothing more. */
    EffectBuilder<JournalEntry, TaskState> planAndPersist() {
      for (int round = 0; round <= state.plan().steps().size() + 1; round++) {
        List<TaskEvent> next = WorkflowPlanner.next(state);
        if (next.isEmpty()) {
          break;
        }
        long planned = next.stream().filter(e -> e instanceof StepPlanned).count();
        int limit = deps.settings().maxSteps();
        if (state.steps().size() + planned > limit) {
          String why = "RUNAWAY: the task would run more than " + limit + " steps (troupe.tasks.max-steps)";
          TaskState before = state;
          cancelRuns(before, this, ORCHESTRATOR, why);
          add(ORCHESTRATOR, new TaskFailed(why, state.usage()));
          decided.clear(); // nothing it planned in this round starts
          break;
        }
        next.forEach(event -> add(ORCHESTRATOR, event));
        decided.addAll(next);
      }
      List<String> start = WorkflowPlanner.toStart(decided);
      return persist().thenRun(s -> {
        start.forEach(stepId -> requestMatch(s, stepId, 1, true));
        if (s.status().isFinal()) {
          finished(s);
        }
      });
    }

    EffectBuilder<JournalEntry, TaskState> persist() {
      return Effect().persist(batch.entries());
    }
  }
}
