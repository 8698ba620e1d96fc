package dev.troupe.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.task.Approval;
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
}
