package dev.troupe.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.approval.Approval;
import java.time.Instant;

/**
 * An approval as API.md shows it. {@code kind} is {@code action} (a proposed tool call, in
 * {@code action}) or {@code review} (a step's output to check, in {@code output}, with the
 * agent's {@code confidence}). {@code outcome} says what the decision (or expiry) led to.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ApprovalView(
    String approvalId, String taskId, String stepId, String agentId, String kind, Action action, JsonNode output,
    Double confidence, String reason, Instant requestedAt, Instant expiresAt, String status, String decidedBy,
    Instant decidedAt, String comment, String outcome) {

  /** The exact call that runs if approved. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Action(String tool, JsonNode input, boolean reversible) {}

  public static ApprovalView of(String taskId, Approval approval) {
    boolean review = approval.isReview();
    return new ApprovalView(approval.approvalId(), taskId, approval.stepId(), approval.agentId(), approval.kind(),
        review ? null : new Action(approval.tool(), approval.input(), approval.reversible()),
        review ? approval.input() : null, approval.confidence(), approval.reason(),
        approval.requestedAt(), approval.expiresAt(), approval.status().name(), approval.decidedBy(),
        approval.decidedAt(), approval.comment(), approval.outcome());
  }

  /** For views that mask what clients see (a task's own view); approvers see the exact action. */
  static ApprovalView redacted(ApprovalView view, dev.troupe.runtime.guard.Redactor redactor) {
    Action action = view.action() == null ? null
        : new Action(view.action().tool(), redactor.redact(view.action().input()).json(), view.action().reversible());
    return new ApprovalView(view.approvalId(), view.taskId(), view.stepId(), view.agentId(), view.kind(), action,
        redactor.redact(view.output()).json(), view.confidence(), redactor.redactText(view.reason()),
        view.requestedAt(), view.expiresAt(), view.status(), view.decidedBy(), view.decidedAt(),
        redactor.redactText(view.comment()), redactor.redactText(view.outcome()));
  }
}
