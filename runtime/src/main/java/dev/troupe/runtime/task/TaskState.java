package dev.troupe.runtime.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.agent.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task as its journal tells it. Pure: the live entity, replay and tests fold events with
 * {@link #apply(JournalEntry)}, which never fails and reads the time from the stamp.
 */
public record TaskState(
    String taskId,
    TaskStatus status,
    String tenant,
    String capability,
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
    ChainHead chainHead) implements TroupeSerializable {

  public TaskState {
    // Jackson reads a JSON null into a JsonNode field as NullNode; keep "absent" one value.
    input = JsonValues.absentAsNull(input);
    output = JsonValues.absentAsNull(output);
  }

  public static TaskState empty(String taskId) {
    return new TaskState(taskId, null, null, null, null, null, null, null, null, null, Map.of(),
        Budget.UNLIMITED, null, Priority.NORMAL, null, Usage.NONE, List.of(), ChainHead.EMPTY);
  }

  /** No task was ever submitted under this id. */
  @JsonIgnore
  public boolean isEmpty() {
    return status == null;
  }

  public Optional<StepState> step(String stepId) {
    return steps.stream().filter(s -> s.stepId().equals(stepId)).findFirst();
  }

  public TaskState apply(JournalEntry entry) {
    Instant at = entry.stamp().at();
    ChainHead head = chainHead.after(entry.stamp());
    TaskEvent event = (TaskEvent) entry.event();
    if (event instanceof TaskEvent.TaskSubmitted e) {
      return new TaskState(e.taskId(), TaskStatus.ACCEPTED, e.tenant(), e.capability(), e.input(), null, null,
          entry.stamp().traceId(), at, at, e.labels() == null ? Map.of() : Map.copyOf(e.labels()),
          new Budget(e.maxTokens(), e.maxCostUsd()), e.deadline(), e.priority(), e.requestHash(), Usage.NONE,
          List.of(), head);
    }
    if (event instanceof TaskEvent.StepStarted e) {
      List<StepState> next = new ArrayList<>(steps);
      int index = indexOf(e.stepId());
      if (index < 0) {
        next.add(StepState.started(e, at));
      } else {
        next.set(index, next.get(index).restarted(e));
      }
      return with(TaskStatus.RUNNING, output, error, usage, next, at, head);
    }
    if (event instanceof TaskEvent.StepCompleted e) {
      return with(status, output, error, usage.plus(e.usage()),
          replaceStep(e.stepId(), s -> s.completed(e, at)), at, head);
    }
    if (event instanceof TaskEvent.StepFailed e) {
      return with(status, output, error, usage.plus(e.usage()),
          replaceStep(e.stepId(), s -> s.failed(e, at)), at, head);
    }
    if (event instanceof TaskEvent.TaskCompleted e) {
      return with(TaskStatus.COMPLETED, e.output(), null, usage, steps, at, head);
    }
    if (event instanceof TaskEvent.TaskFailed e) {
      return with(TaskStatus.FAILED, null, e.reason(), usage, steps, at, head);
    }
    throw new IllegalStateException("unknown task event " + event.getClass().getName());
  }

  private int indexOf(String stepId) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).stepId().equals(stepId)) {
        return i;
      }
    }
    return -1;
  }

  private List<StepState> replaceStep(String stepId, java.util.function.UnaryOperator<StepState> change) {
    List<StepState> next = new ArrayList<>(steps);
    int index = indexOf(stepId);
    if (index >= 0) {
      next.set(index, change.apply(next.get(index)));
    }
    return next;
  }

  private TaskState with(
      TaskStatus newStatus, JsonNode newOutput, String newError, Usage newUsage, List<StepState> newSteps,
      Instant at, ChainHead head) {
    return new TaskState(taskId, newStatus, tenant, capability, input, newOutput, newError, traceId, createdAt,
        at, labels, budget, deadline, priority, requestHash, newUsage, List.copyOf(newSteps), head);
  }
}
