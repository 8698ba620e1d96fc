package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.runtime.agent.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * What a task's journal records. Each carries what a reader (auditor, SSE client) needs
 * without re-deriving it. The names are persisted identifiers: never rename, only add.
 */
public sealed interface TaskEvent extends DomainEvent {

  /** The task was accepted; written before the client hears 202. */
  record TaskSubmitted(
      String taskId,
      String tenant,
      String capability,
      JsonNode input,
      Long maxTokens,
      BigDecimal maxCostUsd,
      Duration deadline,
      Priority priority,
      Map<String, String> labels,
      String requestHash)
      implements TaskEvent {}

  /** An attempt of a step was handed to an agent. */
  record StepStarted(String stepId, String name, String capability, String agentId, int attempt)
      implements TaskEvent {}

  /** An agent finished a step. */
  record StepCompleted(
      String stepId, String agentId, int attempt, JsonNode output, double confidence, Usage usage, long durationMs)
      implements TaskEvent {}

  /** An attempt failed; {@code willRetry} says whether another attempt follows. */
  record StepFailed(
      String stepId, String agentId, int attempt, String reason, boolean retryable, boolean willRetry,
      Usage usage, long durationMs)
      implements TaskEvent {}

  /** The task finished with {@code output}; {@code usage} is the whole task's. */
  record TaskCompleted(JsonNode output, Usage usage) implements TaskEvent {}

  /** The task cannot finish. */
  record TaskFailed(String reason, Usage usage) implements TaskEvent {}
}
