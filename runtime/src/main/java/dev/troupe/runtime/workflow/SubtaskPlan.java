package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a planning step's agent returns:
 * {@code {"subtasks": [{"id": "a", "capability": "company.research", "input": {...}, "after": []},
 * {"id": "b", "workflow": "client-onboarding", "input": {...}, "after": ["a"]}]}}. A subtask runs a
 * capability through the marketplace, or a whole workflow as a child task with its own journal.
 * Inputs may refer to earlier subtasks' outputs as {@code ${subtasks.<id>.output...}}. Pure.
 */
public record SubtaskPlan(List<Subtask> subtasks) {
  public static final int MAX_SUBTASKS = 50;
  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,40}");
  private static final Pattern WORKFLOW = Pattern.compile("([a-z][a-z0-9-]{0,62})(?:@([1-9][0-9]{0,5}))?");

  /** One planned subtask: exactly one of {@code capability} and {@code workflow} (name[@version]). */
  public record Subtask(String id, String capability, String workflow, JsonNode input, List<String> after) {}

  /** The plan in {@code output}, or a failure naming what is wrong with it. */
  public static SubtaskPlan parse(JsonNode output) throws InvalidPlanException {
    JsonNode list = output == null ? null : output.get("subtasks");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new InvalidPlanException("subtasks: must be a non-empty array");
    }
    if (list.size() > MAX_SUBTASKS) {
      throw new InvalidPlanException("subtasks: at most " + MAX_SUBTASKS + ", got " + list.size());
    }
    Map<String, List<String>> edges = new LinkedHashMap<>();
    List<Subtask> subtasks = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode node = list.get(i);
      String at = "subtasks[" + i + "]";
      String id = node.path("id").asText("");
      if (!ID.matcher(id).matches()) {
        throw new InvalidPlanException(at + ".id: must be 1..41 of a-z 0-9 - starting with a letter, was '" + id + "'");
      }
      if (edges.containsKey(id)) {
        throw new InvalidPlanException(at + ".id: duplicate subtask '" + id + "'");
      }
      String capability = node.path("capability").isTextual() ? node.get("capability").asText() : null;
      String workflow = node.path("workflow").isTextual() ? node.get("workflow").asText() : null;
      if ((capability == null) == (workflow == null)) {
        throw new InvalidPlanException(at + ": give exactly one of capability or workflow");
      }
      if (workflow != null && !WORKFLOW.matcher(workflow).matches()) {
        throw new InvalidPlanException(at + ".workflow: must be a workflow name, optionally @version");
      }
      JsonNode input = node.get("input");
      if (input != null && !input.isObject()) {
        throw new InvalidPlanException(at + ".input: must be a JSON object");
      }
      List<String> after = new ArrayList<>();
      node.path("after").forEach(dep -> after.add(dep.asText()));
      edges.put(id, after);
      subtasks.add(new Subtask(id, capability, workflow, input, List.copyOf(after)));
    }
    for (int i = 0; i < subtasks.size(); i++) {
      for (String dep : subtasks.get(i).after()) {
        if (!edges.containsKey(dep)) {
          throw new InvalidPlanException("subtasks[" + i + "].after: unknown subtask '" + dep + "'");
        }
      }
    }
    String cycle = WorkflowValidator.cycle(edges);
    if (cycle != null) {
      throw new InvalidPlanException("subtasks: cycle " + cycle);
    }
    return new SubtaskPlan(List.copyOf(subtasks));
  }

  /** A plan the runtime cannot run. */
  public static final class InvalidPlanException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidPlanException(String message) {
      super(message);
    }
  }
}
