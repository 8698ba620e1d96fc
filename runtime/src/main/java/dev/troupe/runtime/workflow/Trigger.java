package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * Starts a task of the workflow when an event happens: {@code on} is {@code TaskCompleted} or
 * {@code TaskFailed}, of tasks running {@code workflow} (or {@code capability}). The new task's
 * input is {@code input} resolved against {@code {"event": {"type", "taskId", "workflow",
 * "capability", "output", "error", "tenant"}}}, in the source task's tenant.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Trigger(String on, String workflow, String capability, JsonNode input) {
  public static final Set<String> EVENTS = Set.of("TaskCompleted", "TaskFailed");
}
