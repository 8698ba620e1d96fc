package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.agent.Usage;
import java.time.Instant;

/** One step of a task as its journal tells it. */
public record StepState(
    String stepId,
    String name,
    String capability,
    String agentId,
    StepStatus status,
    int attempts,
    Instant startedAt,
    Instant endedAt,
    Usage usage,
    Double confidence,
    JsonNode output,
    String error) {

  public StepState {
    output = JsonValues.absentAsNull(output);
  }

  static StepState started(TaskEvent.StepStarted e, Instant at) {
    return new StepState(e.stepId(), e.name(), e.capability(), e.agentId(), StepStatus.RUNNING, e.attempt(),
        at, null, Usage.NONE, null, null, null);
  }

  StepState restarted(TaskEvent.StepStarted e) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.RUNNING, e.attempt(),
        startedAt, null, usage, confidence, output, error);
  }

  StepState completed(TaskEvent.StepCompleted e, Instant at) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.COMPLETED, attempts,
        startedAt, at, usage.plus(e.usage()), e.confidence(), e.output(), null);
  }

  StepState failed(TaskEvent.StepFailed e, Instant at) {
    StepStatus next = e.willRetry() ? StepStatus.PENDING : StepStatus.FAILED;
    return new StepState(stepId, name, capability, e.agentId(), next, attempts,
        startedAt, e.willRetry() ? null : at, usage.plus(e.usage()), null, null, e.reason());
  }
}
