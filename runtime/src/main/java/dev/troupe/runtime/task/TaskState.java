package dev.troupe.runtime.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.runtime.approval.Approval;
import dev.troupe.runtime.approval.ApprovalStatus;
import dev.troupe.runtime.budget.Budget;
import dev.troupe.runtime.budget.BudgetLedger;
import dev.troupe.runtime.workflow.RejectPolicy;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.runtime.workflow.WorkflowStep;
import dev.troupe.sdk.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A task as its journal tells it. Pure: the live entity, replay and tests fold events with
 * {@link #apply(JournalEntry)}, which never fails and reads the time from the stamp.
 */
public record TaskState(
    String taskId,
    TaskStatus status,
    String tenant,
    String capability,
    String workflow,
    Integer workflowVersion,
    WorkflowDefinition definition,
    String goal,
    String parentTaskId,
    JsonNode input,
    JsonNode output,
    String error,
    String traceId,
    Instant createdAt,
    Instant updatedAt,
    Map<String, String> labels,
    Budget budget,
    Duration deadline,
    Priority priority,
    String requestHash,
    Usage usage,
    List<StepState> steps,
    List<Approval> approvals,
    List<String> guidance,
    ChainHead chainHead,
    BudgetLedger ledger,
    Map<String, String> guidanceKeys,
    List<String> children) implements TroupeSerializable {

  public TaskState {
    // Jackson reads a JSON null into a JsonNode field as NullNode; keep "absent" one value.
    input = JsonValues.absentAsNull(input);
    output = JsonValues.absentAsNull(output);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    steps = steps == null ? List.of() : List.copyOf(steps);
    approvals = approvals == null ? List.of() : List.copyOf(approvals);
    guidance = guidance == null ? List.of() : List.copyOf(guidance);
    ledger = ledger == null ? BudgetLedger.EMPTY : ledger;
    guidanceKeys = guidanceKeys == null ? Map.of() : Map.copyOf(guidanceKeys);
    children = children == null ? List.of() : List.copyOf(children);
  }

  public static TaskState empty(String taskId) {
    return new TaskState(taskId, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        Map.of(),
        Budget.UNLIMITED, null, Priority.NORMAL, null, Usage.NONE, List.of(), List.of(), List.of(), ChainHead.EMPTY,
        BudgetLedger.EMPTY, Map.of(), List.of());
  }

  /** No task was ever submitted under this id. */
  @JsonIgnore
  public boolean isEmpty() {
    return status == null;
  }

  /** Submitted and not finished: steps run, humans decide, budgets are reserved. */
  public boolean isActive() {
    return status != null && !status.isFinal();
  }

  /** Completed, failed or cancelled: it answers what it was, and changes no more. */
  public boolean isFinished() {
    return status != null && status.isFinal();
  }

  public Optional<StepState> step(String stepId) {
    return steps.stream().filter(s -> s.stepId().equals(stepId)).findFirst();
  }

  /** The runs of workflow step {@code name}, in the order they were planned. */
  public List<StepState> runsOf(String name) {
    return steps.stream().filter(s -> s.name().equals(name)).toList();
  }

  /**
   * What the task runs: its pinned workflow, or for a capability task a one-step plan whose step
   * ({@value TaskEntity#MAIN_STEP}) takes the task's input as it is.
   */
  @JsonIgnore
  public WorkflowDefinition plan() {
    if (definition != null) {
      return definition;
    }
    return new WorkflowDefinition("capability", null, List.of(new WorkflowStep(TaskEntity.MAIN_STEP, capability,
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode("${input}"), List.of(), null, null,
        null, null)), null);
  }

  public TaskState apply(JournalEntry entry) {
    Instant at = entry.stamp().at();
    TaskState next = fold(entry, at);
    return next.with(b -> b.updatedAt = at, b -> b.chainHead = chainHead.after(entry.stamp()));
  }

  private TaskState fold(JournalEntry entry, Instant at) {
    if (entry.event() instanceof AgentEvent.StepActivity) {
      return this; // an agent's model or tool call, copied in for the timeline
    }
    TaskEvent event = (TaskEvent) entry.event();
    if (event instanceof TaskEvent.TaskSubmitted e) {
      return new TaskState(e.taskId(), TaskStatus.ACCEPTED, e.tenant(), e.capability(), e.workflow(),
          e.workflowVersion(), null, e.goal(), e.parentTaskId(), e.input(), null, null, entry.stamp().traceId(), at, at,
          e.labels(), new Budget(e.maxTokens(), e.maxCostUsd()), e.deadline(), e.priority(), e.requestHash(),
          Usage.NONE, List.of(), List.of(), List.of(), chainHead, ledger, guidanceKeys, children);
    }
    if (event instanceof TaskEvent.WorkflowPinned e) {
      return new TaskState(taskId, status, tenant, capability, e.name(), e.version(), e.definition(), goal,
          parentTaskId, input, output, error, traceId, createdAt, updatedAt, labels, budget, deadline, priority,
          requestHash, usage, steps, approvals, guidance, chainHead, ledger, guidanceKeys, children);
    }
    if (event instanceof TaskEvent.ChildTaskStarted e) {
      if (children.contains(e.childTaskId())) {
        return this;
      }
      List<String> more = new ArrayList<>(children);
      more.add(e.childTaskId());
      return with(b -> b.children = more);
    }
    if (event instanceof TaskEvent.StepSkipped e) {
      List<StepState> next = new ArrayList<>(steps);
      String stepCapability = plan().step(e.name()).map(WorkflowStep::capability).orElse(null);
      next.add(StepState.skipped(e, stepCapability, at));
      return with(b -> b.steps = next);
    }
    if (event instanceof TaskEvent.StepCancelled e) {
      List<StepState> next = replaceStep(e.stepId(), s -> s.cancelled(e, at));
      return with(b -> b.steps = next, b -> b.status = afterWaiting(next),
          b -> b.approvals = withdraw(a -> a.stepId().equals(e.stepId()), at, "the step was cancelled: " + e.reason()));
    }
    if (event instanceof TaskEvent.TaskCancelled e) {
      return with(b -> b.status = TaskStatus.CANCELLED, b -> b.error = e.reason(),
          b -> b.approvals = withdraw(a -> true, at, "the task was cancelled"));
    }
    if (event instanceof TaskEvent.StepPlanned e) {
      List<StepState> next = new ArrayList<>(steps);
      next.add(StepState.planned(e));
      return with(b -> b.steps = next);
    }
    if (event instanceof TaskEvent.StepStarted e) {
      // Another branch starting does not hide a pending approval or an escalation.
      TaskStatus next = status == TaskStatus.ACCEPTED ? TaskStatus.RUNNING : status;
      return with(b -> b.status = next, b -> b.steps = replaceStep(e.stepId(), s -> s.started(e, at)));
    }
    if (event instanceof TaskEvent.StepCompleted e) {
      return with(b -> b.usage = usage.plus(e.usage()), b -> b.steps = replaceStep(e.stepId(), s -> s.completed(e, at)));
    }
    if (event instanceof TaskEvent.StepFailed e) {
      return with(b -> b.usage = usage.plus(e.usage()), b -> b.steps = replaceStep(e.stepId(), s -> s.failed(e, at)));
    }
    if (event instanceof TaskEvent.StepEscalated e) {
      return with(b -> b.usage = usage.plus(e.usage()), b -> b.steps = replaceStep(e.stepId(), s -> s.escalated(e)));
    }
    if (event instanceof TaskEvent.ApprovalRequested e) {
      List<Approval> next = new ArrayList<>(approvals);
      next.add(Approval.requested(e, at));
      // A task stopped for a human stays ESCALATED: the approval waits too, and can be decided.
      TaskStatus waiting = status == TaskStatus.ESCALATED ? status : TaskStatus.WAITING_APPROVAL;
      return with(b -> b.status = waiting, b -> b.usage = usage.plus(e.usage()),
          b -> b.approvals = next, b -> b.steps = replaceStep(e.stepId(), s -> s.awaitingApproval(e)));
    }
    if (event instanceof TaskEvent.ApprovalGranted e) {
      return decided(e.approvalId(), a -> a.decided(ApprovalStatus.APPROVED, entry.stamp().actor().id(), at,
          e.comment(), Approval.ACTION_RUNNING), StepState::runningApprovedAction);
    }
    if (event instanceof TaskEvent.ApprovalRejected e) {
      String why = "approval " + e.approvalId() + " was rejected by " + entry.stamp().actor().id()
          + (e.comment() == null || e.comment().isBlank() ? "" : ": " + e.comment());
      return decided(e.approvalId(), a -> a.decided(ApprovalStatus.REJECTED, entry.stamp().actor().id(), at,
          e.comment(), "rejected: the step " + rejectedOutcome(e.policy())),
          s -> s.rejected(e.policy(), why, rejectedOutput(e.approvalId(), e.comment()), at));
    }
    if (event instanceof TaskEvent.ApprovalExpired e) {
      if ("escalate".equals(e.policy())) {
        String why = "approval " + e.approvalId() + " expired without a decision";
        return decided(e.approvalId(), a -> a.decided(ApprovalStatus.EXPIRED, entry.stamp().actor().id(), at, null,
            "expired: the task escalates to a human"), s -> s.escalatedBy(why));
      }
      String why = "approval " + e.approvalId() + " expired without a decision and counts as rejected";
      return decided(e.approvalId(), a -> a.decided(ApprovalStatus.EXPIRED, entry.stamp().actor().id(), at, null,
          "expired, counts as rejected: the step " + rejectedOutcome(e.rejectPolicy())),
          s -> s.rejected(e.rejectPolicy(), why, rejectedOutput(e.approvalId(), "expired"), at));
    }
    if (event instanceof TaskEvent.ApprovedActionRan e) {
      String what = switch (e.outcome()) {
        case "ok", "reconciled" -> "approved: the action ran";
        case "in-doubt" -> "approved: the action was interrupted and may or may not have run; escalated";
        default -> "approved: the action failed (" + e.error() + "); escalated";
      };
      List<Approval> next = approvals.stream()
          .map(a -> a.approvalId().equals(e.approvalId()) ? a.withOutcome(what) : a).toList();
      return with(b -> b.approvals = next);
    }
    if (event instanceof TaskEvent.BudgetReserved e) {
      return with(b -> b.ledger = ledger.reserve(e.callKey(), e.stepId(), e.tokens(), e.costUsd()));
    }
    if (event instanceof TaskEvent.BudgetSettled e) {
      return with(b -> b.ledger = ledger.settle(e.callKey(), e.tokens(), e.costUsd()));
    }
    if (event instanceof TaskEvent.BudgetRefused) {
      return this;
    }
    if (event instanceof TaskEvent.TaskCompleted e) {
      return with(b -> b.status = TaskStatus.COMPLETED, b -> b.output = e.output(), b -> b.error = null);
    }
    if (event instanceof TaskEvent.TaskFailed e) {
      return with(b -> b.status = TaskStatus.FAILED, b -> b.output = null, b -> b.error = e.reason(),
          b -> b.approvals = withdraw(a -> true, at, "the task failed"));
    }
    if (event instanceof TaskEvent.GuidanceGiven e) {
      List<String> given = new ArrayList<>(guidance);
      given.add(e.text());
      Map<String, String> keys = new java.util.HashMap<>(guidanceKeys);
      if (e.idempotencyKey() != null) {
        keys.put(e.idempotencyKey(), e.text());
      }
      if (e.resumedSteps().isEmpty()) {
        return with(b -> b.guidance = given, b -> b.guidanceKeys = keys);
      }
      List<StepState> next = new ArrayList<>(steps);
      next.replaceAll(s -> e.resumedSteps().contains(s.stepId()) ? s.resumed() : s);
      // Still waiting for an approval elsewhere in the workflow: that is what the task waits for now.
      TaskStatus resumed = next.stream().anyMatch(s -> s.status() == StepStatus.WAITING_APPROVAL)
          ? TaskStatus.WAITING_APPROVAL : TaskStatus.RUNNING;
      return with(b -> b.guidance = given, b -> b.guidanceKeys = keys, b -> b.steps = next, b -> b.status = resumed,
          b -> b.error = null);
    }
    if (event instanceof TaskEvent.TaskEscalated e) {
      return with(b -> b.status = TaskStatus.ESCALATED, b -> b.error = e.reason());
    }
    throw new IllegalStateException("unknown task event " + event.getClass().getName());
  }

  /** The approval a human decided (or that expired), its step changed as the decision says. */
  private TaskState decided(String approvalId, UnaryOperator<Approval> decide, UnaryOperator<StepState> step) {
    Optional<Approval> approval = approval(approvalId);
    if (approval.isEmpty()) {
      return this;
    }
    List<Approval> next = approvals.stream().map(a -> a.approvalId().equals(approvalId) ? decide.apply(a) : a).toList();
    List<StepState> steps = replaceStep(approval.get().stepId(), step);
    return with(b -> b.approvals = next, b -> b.steps = steps, b -> b.status = afterWaiting(steps));
  }

  /** A task that waited for approvals runs again once no step waits for one. */
  private TaskStatus afterWaiting(List<StepState> next) {
    return status == TaskStatus.WAITING_APPROVAL
        && next.stream().noneMatch(s -> s.status() == StepStatus.WAITING_APPROVAL) ? TaskStatus.RUNNING : status;
  }

  private List<Approval> withdraw(java.util.function.Predicate<Approval> which, Instant at, String why) {
    return approvals.stream()
        .map(a -> a.status().isOpen() && which.test(a)
            ? a.decided(ApprovalStatus.WITHDRAWN, "system", at, null, "withdrawn: " + why) : a)
        .toList();
  }

  private static String rejectedOutcome(RejectPolicy policy) {
    return switch (policy == null ? RejectPolicy.FAIL : policy) {
      case FAIL -> "fails";
      case SKIP -> "is skipped";
      case CONTINUE -> "completes with approved=false";
    };
  }

  /** What a step whose proposal was turned down hands on, when its policy is to continue. */
  static JsonNode rejectedOutput(String approvalId, String comment) {
    var out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    out.put("approved", false).put("approvalId", approvalId);
    if (comment != null) {
      out.put("comment", comment);
    }
    return out;
  }

  public Optional<Approval> approval(String approvalId) {
    return approvals.stream().filter(a -> a.approvalId().equals(approvalId)).findFirst();
  }

  /**
   * The approved action {@code stepId} is running, if it is: approved, the step still running
   * that attempt, and no outcome recorded yet.
   */
  public Optional<Approval> approvedActionOf(StepState step) {
    if (step.status() != StepStatus.RUNNING) {
      return Optional.empty();
    }
    return approvals.stream().filter(a -> a.stepId().equals(step.stepId()) && a.attempt() == step.attempts()
        && a.status() == ApprovalStatus.APPROVED && !a.isReview()).reduce((first, second) -> second);
  }

  private List<StepState> replaceStep(String stepId, UnaryOperator<StepState> change) {
    List<StepState> next = new ArrayList<>(steps);
    for (int i = 0; i < next.size(); i++) {
      if (next.get(i).stepId().equals(stepId)) {
        next.set(i, change.apply(next.get(i)));
      }
    }
    return next;
  }

  /** A mutable copy for building the next state in one place. */
  private static final class Builder {
    TaskStatus status;
    JsonNode output;
    String error;
    Instant updatedAt;
    Usage usage;
    List<StepState> steps;
    List<Approval> approvals;
    List<String> guidance;
    ChainHead chainHead;
    BudgetLedger ledger;
    Map<String, String> guidanceKeys;
    List<String> children;
  }

  @SafeVarargs
  private TaskState with(java.util.function.Consumer<Builder>... changes) {
    Builder b = new Builder();
    b.status = status;
    b.output = output;
    b.error = error;
    b.updatedAt = updatedAt;
    b.usage = usage;
    b.steps = steps;
    b.approvals = approvals;
    b.guidance = guidance;
    b.chainHead = chainHead;
    b.ledger = ledger;
    b.guidanceKeys = guidanceKeys;
    b.children = children;
    for (var change : changes) {
      change.accept(b);
    }
    return new TaskState(taskId, b.status, tenant, capability, workflow, workflowVersion, definition, goal,
        parentTaskId, input, b.output, b.error, traceId,
        createdAt, b.updatedAt, labels, budget, deadline, priority, requestHash, b.usage, b.steps, b.approvals,
        b.guidance, b.chainHead, b.ledger, b.guidanceKeys, b.children);
  }

  /**
   * The child tasks this task started that may still run: delegations its agents made, and the
   * subtasks of its steps that run a workflow. What a cancel or a deadline must reach.
   */
  public List<String> childTaskIds() {
    java.util.LinkedHashSet<String> ids = new java.util.LinkedHashSet<>(children);
    for (StepState step : steps) {
      if (step.agentId() != null && step.agentId().startsWith("task:")) {
        ids.add(step.agentId().substring("task:".length()));
      }
    }
    return List.copyOf(ids);
  }
}
