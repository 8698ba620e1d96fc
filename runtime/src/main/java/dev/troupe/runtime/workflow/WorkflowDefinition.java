package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.TroupeSerializable;
import java.util.List;
import java.util.Optional;

/**
 * A workflow as data (JSON): named steps with dependencies, conditions, fan-outs and bounded
 * loops, and the task's output (a template; by default the output of the last step). Registering
 * a definition again under the same name creates its next version; a task pins the version it
 * started with. {@link Workflow#builder(String)} builds the same data in Java.
 *
 * <p>{@code minConfidence}: a step whose agent reports a lower confidence goes to a human review
 * (an approval of its output) instead of feeding the next step; a step may set its own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkflowDefinition(
    String name, String description, List<WorkflowStep> steps, JsonNode output, Trigger trigger,
    Double minConfidence)
    implements TroupeSerializable {
  public WorkflowDefinition {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  public WorkflowDefinition(String name, String description, List<WorkflowStep> steps, JsonNode output,
      Trigger trigger) {
    this(name, description, steps, output, trigger, null);
  }

  public WorkflowDefinition(String name, String description, List<WorkflowStep> steps, JsonNode output) {
    this(name, description, steps, output, null);
  }

  public Optional<WorkflowStep> step(String id) {
    return steps.stream().filter(s -> s.id().equals(id)).findFirst();
  }
}
