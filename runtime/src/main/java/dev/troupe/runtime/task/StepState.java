package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.agent.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of a task as its journal tells it. {@code failedAgents} lists the agents whose
 * attempts failed, so a retry can go elsewhere.
 */
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
    String error,
    List<String> failedAgents) {

  public StepState {
    output = JsonValues.absentAsNull(output);
    failedAgents = failedAgents == null ? List.of() : List.copyOf(failedAgents);
  }

  static StepState planned(TaskEvent.StepPlanned e) {
    return new StepState(e.stepId(), e.name(), e.capability(), null, StepStatus.PENDING, 0, null, null, Usage.NONE,
        null, null, null, List.of());
  }

  StepState started(TaskEvent.StepStarted e, Instant at) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.RUNNING, e.attempt(),
        startedAt == null ? at : startedAt, null, usage, confidence, output, error, failedAgents);
  }

  StepState completed(TaskEvent.StepCompleted e, Instant at) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.COMPLETED, attempts,
        startedAt, at, usage.plus(e.usage()), e.confidence(), e.output(), null, failedAgents);
  }

  StepState failed(TaskEvent.StepFailed e, Instant at) {
    StepStatus next = e.willRetry() ? StepStatus.PENDING : StepStatus.FAILED;
    List<String> failedBy = new ArrayList<>(failedAgents);
    if (e.agentId() != null && !failedBy.contains(e.agentId())) {
      failedBy.add(e.agentId());
    }
    return new StepState(stepId, name, capability, e.agentId() == null ? agentId : e.agentId(), next, e.attempt(),
        startedAt, e.willRetry() ? null : at, usage.plus(e.usage()), null, null, e.reason(), failedBy);
  }

  StepState escalated(TaskEvent.StepEscalated e) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.ESCALATED, attempts, startedAt, null,
        usage.plus(e.usage()), null, null, e.reason(), failedAgents);
  }

  StepState awaitingApproval(TaskEvent.ApprovalRequested e) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.WAITING_APPROVAL, attempts, startedAt,
        null, usage.plus(e.usage()), null, null, null, failedAgents);
  }
}
