package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.runtime.agent.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a task's journal records (besides the agents' step activity it copies in). Each carries
 * what a reader (auditor, SSE client) needs without re-deriving it. The names are persisted
 * identifiers: never rename, only add.
 */
public sealed interface TaskEvent extends DomainEvent {

  /** The task was accepted; written before the client hears 202. */
  record TaskSubmitted(
      String taskId,
      String tenant,
      String capability,
      String goal,
      String parentTaskId,
      JsonNode input,
      Long maxTokens,
      BigDecimal maxCostUsd,
      Duration deadline,
      Priority priority,
      Map<String, String> labels,
      String requestHash)
      implements TaskEvent {}

  /** A step the task will run, planned before any agent is chosen. */
  record StepPlanned(String stepId, String name, String capability) implements TaskEvent {}

  /** An attempt of a step was handed to the agent the marketplace ranked first. */
  record StepStarted(String stepId, String name, String capability, String agentId, int attempt)
      implements TaskEvent {}

  /** An agent finished a step. */
  record StepCompleted(
      String stepId, String agentId, int attempt, JsonNode output, double confidence, Usage usage, long durationMs)
      implements TaskEvent {}

  /**
   * An attempt failed; {@code willRetry} says whether another attempt follows. {@code agentId} is
   * null when no agent could be matched for the attempt.
   */
  record StepFailed(
      String stepId, String agentId, int attempt, String reason, boolean retryable, boolean willRetry,
      Usage usage, long durationMs)
      implements TaskEvent {}

  /** The agent asked for a human. */
  record StepEscalated(String stepId, String agentId, int attempt, String reason, Usage usage, long durationMs)
      implements TaskEvent {}

  /**
   * The agent proposed an action that needs a human's approval; nothing runs until it is given.
   */
  record ApprovalRequested(
      String approvalId, String stepId, String agentId, int attempt, String tool, JsonNode input, boolean reversible,
      String reason, Instant expiresAt, Usage usage, long durationMs)
      implements TaskEvent {}

  /** The task finished with {@code output}; {@code usage} is the whole task's. */
  record TaskCompleted(JsonNode output, Usage usage) implements TaskEvent {}

  /** The task cannot finish. */
  record TaskFailed(String reason, Usage usage) implements TaskEvent {}

  /** The task stopped for a human. */
  record TaskEscalated(String reason) implements TaskEvent {}
}
