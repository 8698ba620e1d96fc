package dev.troupe.runtime.approval;

import dev.troupe.config.TaskSettings.ApprovalExpiry;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.workflow.RejectPolicy;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.runtime.workflow.WorkflowStep;
import dev.troupe.sdk.Usage;
import java.util.List;
import java.util.Optional;

/**
 * When a human must look at a step, and what a human's decision (or its absence) journals: the
 * rules the task entity applies, kept pure so replay, tests and the entity agree.
 */
public final class ApprovalRules {
  private ApprovalRules() {}

  /** Who an event is journaled as. */
  public enum Author { APPROVER, AGENT, ORCHESTRATOR }

  /** An event to journal, and as whom. */
  public record Journaled(Author author, TaskEvent event) {}

  /** What the task does once the events are journaled. */
  public enum Then {
    /** Plan the workflow on: the step completed, failed, was skipped, or continues. */
    PLAN,
    /** Run the approved action, exactly once. */
    RUN_ACTION,
    /** Nothing more: the task waits for a human (escalated). */
    WAIT
  }

  /** The events of a ruling, in order, and what follows them. */
  public record Ruling(List<Journaled> events, Then then) {}

  /**
   * Why a completed step's output must be reviewed by a human first, if it must: the step is
   * marked for review, or its confidence is below the step's (or else the workflow's) threshold.
   * A planned subtask ({@code stepName} not in the definition) is not subject to its planning
   * step's settings.
   */
  public static Optional<String> reviewReason(WorkflowDefinition plan, String stepName, double confidence) {
    Optional<WorkflowStep> definition = plan.step(stepName);
    if (definition.isEmpty()) {
      return Optional.empty();
    }
    if (definition.get().needsReview()) {
      return Optional.of("step " + stepName + " is marked for human review");
    }
    Double threshold = definition.get().minConfidence() != null ? definition.get().minConfidence()
        : plan.minConfidence();
    if (threshold != null && confidence < threshold) {
      return Optional.of("the agent's confidence " + confidence + " is below the threshold " + threshold
          + " of step " + stepName);
    }
    return Optional.empty();
  }

  /** What a rejection (or an expiry treated as one) does to the step: its {@code onReject}, else fail. */
  public static RejectPolicy rejectPolicy(WorkflowDefinition plan, String stepName) {
    return plan.step(stepName).map(WorkflowStep::rejectPolicy).orElse(RejectPolicy.FAIL);
  }

  /**
   * A human approved. An approved review completes the step with the output the agent reported;
   * an approved action is then run.
   */
  public static Ruling approve(Approval approval, String comment) {
    TaskEvent granted = new TaskEvent.ApprovalGranted(approval.approvalId(), approval.stepId(), comment);
    if (!approval.isReview()) {
      return new Ruling(List.of(new Journaled(Author.APPROVER, granted)), Then.RUN_ACTION);
    }
    TaskEvent completed = new TaskEvent.StepCompleted(approval.stepId(), approval.agentId(), approval.attempt(),
        approval.input(), approval.confidence() == null ? 1.0 : approval.confidence(), Usage.NONE, 0);
    return new Ruling(List.of(new Journaled(Author.APPROVER, granted), new Journaled(Author.AGENT, completed)),
        Then.PLAN);
  }

  /** A human rejected: the step's reject policy applies. */
  public static Ruling reject(Approval approval, String comment, RejectPolicy policy) {
    return new Ruling(List.of(new Journaled(Author.APPROVER,
        new TaskEvent.ApprovalRejected(approval.approvalId(), approval.stepId(), comment, policy))), Then.PLAN);
  }

  /**
   * Nobody decided in time: under {@code ESCALATE} the task stops for a human; under
   * {@code REJECT} the step's reject policy applies, as for a rejection.
   */
  public static Ruling expire(Approval approval, ApprovalExpiry onExpiry, RejectPolicy policy) {
    if (onExpiry == ApprovalExpiry.ESCALATE) {
      String what = approval.isReview() ? "the review of step " + approval.stepId() : approval.tool();
      return new Ruling(List.of(
          new Journaled(Author.ORCHESTRATOR,
              new TaskEvent.ApprovalExpired(approval.approvalId(), approval.stepId(), "escalate", null)),
          new Journaled(Author.ORCHESTRATOR, new TaskEvent.TaskEscalated("approval " + approval.approvalId() + " of "
              + what + " expired at " + approval.expiresAt() + " without a decision"))), Then.WAIT);
    }
    return new Ruling(List.of(new Journaled(Author.ORCHESTRATOR,
        new TaskEvent.ApprovalExpired(approval.approvalId(), approval.stepId(), "reject", policy))), Then.PLAN);
  }
}
