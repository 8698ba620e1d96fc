package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.sdk.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of a workflow step as the task's journal tells it. {@code name} is the workflow step's
 * id; a fan-out has one run per {@code index}, a loop one per {@code iteration}. {@code failedAgents}
 * lists the agents whose attempts failed, so a retry can go elsewhere. {@code retriesFrom} is the
 * attempt after which the retry budget counts: a human resuming an escalated run gives it a fresh one.
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
    JsonNode input,
    JsonNode output,
    String error,
    List<String> failedAgents,
    Integer index,
    Integer iteration,
    String workflow,
    int retriesFrom) {

  public StepState {
    input = JsonValues.absentAsNull(input);
    output = JsonValues.absentAsNull(output);
    failedAgents = failedAgents == null ? List.of() : List.copyOf(failedAgents);
  }

  static StepState planned(TaskEvent.StepPlanned e) {
    return new StepState(e.stepId(), e.name(), e.capability(), null, StepStatus.PENDING, 0, null, null, Usage.NONE,
        null, e.input(), null, null, List.of(), e.index(), e.iteration(), e.workflow(), 0);
  }

  static StepState skipped(TaskEvent.StepSkipped e, String capability, Instant at) {
    return new StepState(e.stepId(), e.name(), capability, null, StepStatus.SKIPPED, 0, null, at, Usage.NONE, null,
        null, null, e.reason(), List.of(), null, null, null, 0);
  }

  /** Attempts made since the run last got a fresh retry budget. */
  public int attemptsSinceResumed() {
    return attempts - retriesFrom;
  }

  /** Finished one way or another: nothing more will happen to this run. */
  public boolean isTerminal() {
    return status == StepStatus.COMPLETED || status == StepStatus.FAILED || status == StepStatus.SKIPPED
        || status == StepStatus.CANCELLED;
  }

  /** This run, counted at {@code attempt} (an attempt for which no agent could be matched). */
  StepState asAttempt(int attempt) {
    return new StepState(stepId, name, capability, agentId, status, attempt, startedAt, endedAt, usage, confidence,
        input, output, error, failedAgents, index, iteration, workflow, retriesFrom);
  }

  StepState started(TaskEvent.StepStarted e, Instant at) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.RUNNING, e.attempt(),
        startedAt == null ? at : startedAt, null, usage, confidence, input, output, error, failedAgents, index,
        iteration, workflow, retriesFrom);
  }

  StepState completed(TaskEvent.StepCompleted e, Instant at) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.COMPLETED, attempts,
        startedAt, at, usage.plus(e.usage()), e.confidence(), input, e.output(), null, failedAgents, index, iteration, workflow, retriesFrom);
  }

  StepState failed(TaskEvent.StepFailed e, Instant at) {
    StepStatus next = e.willRetry() ? StepStatus.PENDING : StepStatus.FAILED;
    List<String> failedBy = new ArrayList<>(failedAgents);
    if (e.agentId() != null && !failedBy.contains(e.agentId())) {
      failedBy.add(e.agentId());
    }
    return new StepState(stepId, name, capability, e.agentId() == null ? agentId : e.agentId(), next, e.attempt(),
        startedAt, e.willRetry() ? null : at, usage.plus(e.usage()), null, input, null, e.reason(), failedBy, index,
        iteration, workflow, retriesFrom);
  }

  StepState escalated(TaskEvent.StepEscalated e) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.ESCALATED, attempts, startedAt, null,
        usage.plus(e.usage()), null, input, null, e.reason(), failedAgents, index, iteration, workflow, retriesFrom);
  }

  StepState awaitingApproval(TaskEvent.ApprovalRequested e) {
    return new StepState(stepId, name, capability, e.agentId(), StepStatus.WAITING_APPROVAL, attempts, startedAt,
        null, usage.plus(e.usage()), null, input, null, null, failedAgents, index, iteration, workflow, retriesFrom);
  }

  /** A human approved the run's proposal: the runtime runs the action now. */
  StepState runningApprovedAction() {
    return new StepState(stepId, name, capability, agentId, StepStatus.RUNNING, attempts, startedAt, null, usage,
        null, input, null, null, failedAgents, index, iteration, workflow, retriesFrom);
  }

  /** The run's proposal was turned down: it fails, is skipped, or completes with {@code output}, as {@code policy} says. */
  StepState rejected(dev.troupe.runtime.workflow.RejectPolicy policy, String why, JsonNode output, Instant at) {
    return switch (policy == null ? dev.troupe.runtime.workflow.RejectPolicy.FAIL : policy) {
      case FAIL -> new StepState(stepId, name, capability, agentId, StepStatus.FAILED, attempts, startedAt, at, usage,
          null, input, null, why, failedAgents, index, iteration, workflow, retriesFrom);
      case SKIP -> new StepState(stepId, name, capability, agentId, StepStatus.SKIPPED, attempts, startedAt, at, usage,
          null, input, null, why, failedAgents, index, iteration, workflow, retriesFrom);
      case CONTINUE -> new StepState(stepId, name, capability, agentId, StepStatus.COMPLETED, attempts, startedAt, at,
          usage, 1.0, input, output, null, failedAgents, index, iteration, workflow, retriesFrom);
    };
  }

  /** The run stops for a human (its approval expired under the escalate policy, or its approved action failed). */
  StepState escalatedBy(String why) {
    return new StepState(stepId, name, capability, agentId, StepStatus.ESCALATED, attempts, startedAt, null, usage,
        null, input, null, why, failedAgents, index, iteration, workflow, retriesFrom);
  }

  /** An escalated run that will run again, with a human's guidance, as its next attempt. */
  StepState resumed() {
    return new StepState(stepId, name, capability, agentId, StepStatus.PENDING, attempts, startedAt, null, usage,
        null, input, null, null, failedAgents, index, iteration, workflow, attempts);
  }

  StepState cancelled(TaskEvent.StepCancelled e, Instant at) {
    return new StepState(stepId, name, capability, agentId, StepStatus.CANCELLED, attempts, startedAt, at, usage,
        null, input, null, e.reason(), failedAgents, index, iteration, workflow, retriesFrom);
  }
}
