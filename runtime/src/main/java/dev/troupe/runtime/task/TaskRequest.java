package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.budget.Budget;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A validated task submission, as the task entity receives it.
 *
 * @param capability the one capability the task runs, or null for a workflow
 * @param workflow the workflow definition the task runs, pinned, or null for a single capability
 * @param goal the task's goal in words, or null
 * @param parentTaskId the task that delegated this one, or null
 * @param requestHash SHA-256 of the canonical request body: a resubmission with the same
 *     idempotency key must carry the same hash to get the same task back
 */
public record TaskRequest(
    String tenant,
    String capability,
    PinnedWorkflow workflow,
    String goal,
    String parentTaskId,
    JsonNode input,
    Budget budget,
    Duration deadline,
    Priority priority,
    Map<String, String> labels,
    String requestHash) {

  public TaskRequest {
    Objects.requireNonNull(tenant, "tenant");
    if ((capability == null) == (workflow == null)) {
      throw new IllegalArgumentException("a task runs exactly one of a capability or a workflow");
    }
    Objects.requireNonNull(input, "input");
    budget = budget == null ? Budget.UNLIMITED : budget;
    priority = priority == null ? Priority.NORMAL : priority;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    Objects.requireNonNull(requestHash, "requestHash");
  }

  /** A capability task: one step, with the task's input as it is. */
  public static TaskRequest forCapability(String tenant, String capability, String goal, String parentTaskId,
      JsonNode input, Budget budget, Duration deadline, Priority priority, Map<String, String> labels,
      String requestHash) {
    return new TaskRequest(tenant, capability, null, goal, parentTaskId, input, budget, deadline, priority, labels,
        requestHash);
  }
}
