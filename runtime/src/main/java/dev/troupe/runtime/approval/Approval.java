package dev.troupe.runtime.approval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.task.JsonValues;
import dev.troupe.runtime.task.TaskEvent;
import java.time.Instant;

/**
 * An action an agent proposed, or a step output to review, that waits on (or waited on) a human.
 * {@code decidedBy} is the key name of the approver (or {@code system} for an expiry);
 * {@code outcome} says what followed.
 */
public record Approval(
    String approvalId, String stepId, String agentId, int attempt, String tool, JsonNode input, boolean reversible,
    String reason, Instant requestedAt, Instant expiresAt, ApprovalStatus status, String decidedBy,
    Instant decidedAt, String comment, String outcome, String kind, Double confidence) {

  public Approval {
    input = JsonValues.absentAsNull(input);
    status = status == null ? ApprovalStatus.PENDING : status;
    kind = kind == null ? TaskEvent.ApprovalRequested.ACTION : kind;
  }

  public static Approval requested(TaskEvent.ApprovalRequested e, Instant at) {
    return new Approval(e.approvalId(), e.stepId(), e.agentId(), e.attempt(), e.tool(), e.input(), e.reversible(),
        e.reason(), at, e.expiresAt(), ApprovalStatus.PENDING, null, null, null, null, e.kind(), e.confidence());
  }

  /** The outcome of an approved action until its result is journaled. */
  public static final String ACTION_RUNNING = "approved: the action runs";

  /** Approved, and the result of running the action is not journaled yet. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean awaitsResult() {
    return status == ApprovalStatus.APPROVED && !isReview() && ACTION_RUNNING.equals(outcome);
  }

  /** A review of a step's output ({@code input}), rather than a proposed action. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isReview() {
    return TaskEvent.ApprovalRequested.REVIEW.equals(kind);
  }

  public Approval decided(ApprovalStatus next, String by, Instant at, String withComment, String what) {
    return new Approval(approvalId, stepId, agentId, attempt, tool, input, reversible, reason, requestedAt, expiresAt,
        next, by, at, withComment, what, kind, confidence);
  }

  public Approval withOutcome(String what) {
    return new Approval(approvalId, stepId, agentId, attempt, tool, input, reversible, reason, requestedAt, expiresAt,
        status, decidedBy, decidedAt, comment, what, kind, confidence);
  }
}
