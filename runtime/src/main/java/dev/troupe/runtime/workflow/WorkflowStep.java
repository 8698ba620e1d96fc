package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * One step of a workflow.
 *
 * @param id unique in the workflow; later steps refer to its output as {@code steps.<id>.output}
 * @param capability what the marketplace must find an agent for
 * @param input the step's input: JSON in which {@code "${path}"} strings are replaced by values of
 *     the scope ({@code input.*}, {@code steps.<id>.output.*}, and the fan-out element)
 * @param after steps that must be done first (completed, or skipped)
 * @param when run only if this holds; otherwise the step is skipped, and so are the steps after it
 * @param forEach fan-out over a list, with a join policy
 * @param loop repeat until a condition holds, bounded
 * @param timeout this step's own step timeout, instead of {@code troupe.tasks.step-timeout}
 * @param plans the step's agent is a planner: its output is a plan ({@link SubtaskPlan}) whose
 *     subtasks the runtime runs; the step's output is then {@code {"plan": ..., "results": {id: output}}}
 * @param onReject what a rejected proposal of this step's agent does to the step (default: fail)
 * @param review a human reviews (approves) the step's output before it feeds the next step
 * @param minConfidence this step's confidence threshold, instead of the workflow's: an output
 *     reported with a lower confidence goes to a human review
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// "planner" is written (from isPlanner) and must stay written: the audit chain hashes the events
// as they serialize. It is read back as nothing, so a definition read from the API can be sent
// back as it is.
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(value = {"planner"}, allowGetters = true)
public record WorkflowStep(
    String id, String capability, JsonNode input, List<String> after, Condition when, ForEach forEach, Loop loop,
    Duration timeout, Boolean plans, RejectPolicy onReject, Boolean review, Double minConfidence) {
  public WorkflowStep {
    after = after == null ? List.of() : List.copyOf(after);
  }

  public WorkflowStep(String id, String capability, JsonNode input, List<String> after, Condition when, ForEach forEach,
      Loop loop, Duration timeout, Boolean plans) {
    this(id, capability, input, after, when, forEach, loop, timeout, plans, null, null, null);
  }

  public WorkflowStep(String id, String capability, JsonNode input, List<String> after, Condition when, ForEach forEach,
      Loop loop, Duration timeout, Boolean plans, RejectPolicy onReject) {
    this(id, capability, input, after, when, forEach, loop, timeout, plans, onReject, null, null);
  }

  /** Whether a human must always review this step's output. */
  public boolean needsReview() {
    return Boolean.TRUE.equals(review);
  }

  public WorkflowStep(String id, String capability, JsonNode input, List<String> after, Condition when, ForEach forEach,
      Loop loop, Duration timeout) {
    this(id, capability, input, after, when, forEach, loop, timeout, null);
  }

  /** True when the step's agent plans subtasks for the runtime to run. */
  public boolean isPlanner() {
    return Boolean.TRUE.equals(plans);
  }

  /** What a rejection does to this step: its {@code onReject}, or fail. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public RejectPolicy rejectPolicy() {
    return onReject == null ? RejectPolicy.FAIL : onReject;
  }
}
