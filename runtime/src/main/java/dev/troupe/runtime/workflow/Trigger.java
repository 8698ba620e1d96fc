package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * Starts a task of the workflow when an event happens. {@code on} is {@code TaskCompleted} or
 * {@code TaskFailed}, of tasks running {@code workflow} (or {@code capability}); the new task's
 * input is {@code input} resolved against {@code {"event": {"type", "taskId", "workflow",
 * "capability", "output", "error", "tenant"}}}, in the source task's tenant. Or {@code on} is
 * {@code ExternalEvent}: an event of type {@code event} posted to {@code POST /v1/events}, and
 * {@code input} is resolved against {@code {"event": {"type", "eventId", "data", "tenant"}}}, in
 * the poster's tenant.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Trigger(String on, String workflow, String capability, JsonNode input, String event) {
  public static final String EXTERNAL = "ExternalEvent";
  public static final Set<String> EVENTS = Set.of("TaskCompleted", "TaskFailed", EXTERNAL);

  public Trigger(String on, String workflow, String capability, JsonNode input) {
    this(on, workflow, capability, input, null);
  }

  /** Whether an event posted from outside, of {@code type}, starts this workflow. */
  public boolean firesOn(String type) {
    return EXTERNAL.equals(on) && type.equals(event);
  }
}
