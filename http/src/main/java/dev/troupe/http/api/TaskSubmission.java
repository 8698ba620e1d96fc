package dev.troupe.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.budget.Budget;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskRequest;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a {@code POST /v1/tasks} body into a {@link TaskRequest}, or names the first field that
 * is wrong. Unknown fields are refused (a misspelt {@code "budjet"} must not silently mean "no
 * budget").
 */
public final class TaskSubmission {
  static final Set<String> FIELDS = Set.of("capability", "workflow", "goal", "input", "budget", "deadline", "priority", "labels");
  public static final int MAX_GOAL = 2000;
  /** Per array anywhere in the input: a fan-out over more would be a runaway, not a task. */
  public static final int MAX_ARRAY_ELEMENTS = 10_000;
  public static final int MAX_LABELS = 32;
  public static final int MAX_LABEL_KEY = 64;
  public static final int MAX_LABEL_VALUE = 256;
  static final Duration MAX_DEADLINE = Duration.ofDays(30);
  static final BigDecimal MAX_COST = new BigDecimal("1000000");
  static final long MAX_TOKENS = 1_000_000_000L;
  private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9._/-]{1,64}");

  private static final Pattern WORKFLOW_REF = Pattern.compile("([a-z][a-z0-9-]{0,62})(?:@([1-9][0-9]{0,5}))?");

  /**
   * Either a request or the problem with it. A workflow task comes back without its definition:
   * {@code workflowName} and {@code workflowVersion} (null for the current one) say what to pin,
   * and {@link #pinned} makes the request once the definition is found.
   */
  public record Result(TaskRequest request, SubmissionProblem problem, String workflowName, Integer workflowVersion,
      Function<PinnedWorkflow, TaskRequest> pinned) {
    static Result ok(TaskRequest request) {
      return new Result(request, null, null, null, null);
    }

    static Result refused(int status, String field, String message) {
      return new Result(null, new SubmissionProblem(status, field, message), null, null, null);
    }

    static Result workflow(String name, Integer version, Function<PinnedWorkflow, TaskRequest> pinned) {
      return new Result(null, null, name, version, pinned);
    }
  }

  private TaskSubmission() {}

  public static Result parse(JsonNode body, String tenant, Predicate<String> capabilityKnown,
      SortedSet<String> knownCapabilities, ObjectMapper mapper) {
    if (!body.isObject()) {
      return Result.refused(400, "$", "the body must be a JSON object");
    }
    for (var name : (Iterable<String>) body::fieldNames) {
      if (!FIELDS.contains(name)) {
        return Result.refused(400, name, "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
      }
    }
    JsonNode capability = body.get("capability");
    JsonNode workflow = body.get("workflow");
    boolean hasCapability = capability != null && !capability.isNull();
    boolean hasWorkflow = workflow != null && !workflow.isNull();
    if (hasCapability == hasWorkflow) {
      return Result.refused(400, "capability", "give exactly one of capability or workflow");
    }
    Matcher workflowRef = null;
    if (hasWorkflow) {
      workflowRef = workflow.isTextual() ? WORKFLOW_REF.matcher(workflow.asText()) : null;
      if (workflowRef == null || !workflowRef.matches()) {
        return Result.refused(400, "workflow", "must be a workflow name, optionally with @version (client-onboarding@3)");
      }
    } else {
      if (!capability.isTextual() || capability.asText().isBlank()) {
        return Result.refused(400, "capability", "must be a non-empty string");
      }
      if (!capabilityKnown.test(capability.asText())) {
        return Result.refused(422, "capability", "unknown capability '" + capability.asText()
            + "' (known: " + String.join(", ", knownCapabilities) + ")");
      }
    }
    String goal = null;
    JsonNode goalNode = body.get("goal");
    if (goalNode != null && !goalNode.isNull()) {
      if (!goalNode.isTextual() || goalNode.asText().length() > MAX_GOAL) {
        return Result.refused(400, "goal", "must be a string of at most " + MAX_GOAL + " characters");
      }
      goal = goalNode.asText();
    }
    JsonNode input = body.get("input");
    if (input == null || input.isNull()) {
      input = mapper.createObjectNode();
    } else if (!input.isObject()) {
      return Result.refused(400, "input", "must be a JSON object");
    }
    String longArray = longArray(input, "input");
    if (longArray != null) {
      return Result.refused(400, longArray, "at most " + MAX_ARRAY_ELEMENTS + " elements");
    }

    Budget budget = Budget.UNLIMITED;
    JsonNode budgetNode = body.get("budget");
    if (budgetNode != null && !budgetNode.isNull()) {
      if (!budgetNode.isObject()) {
        return Result.refused(400, "budget", "must be an object {maxTokens, maxCostUsd}");
      }
      for (var name : (Iterable<String>) budgetNode::fieldNames) {
        if (!name.equals("maxTokens") && !name.equals("maxCostUsd")) {
          return Result.refused(400, "budget." + name, "unknown field (known: maxCostUsd, maxTokens)");
        }
      }
      Long maxTokens = null;
      JsonNode tokens = budgetNode.get("maxTokens");
      if (tokens != null && !tokens.isNull()) {
        if (!tokens.isIntegralNumber() || !tokens.canConvertToLong()) {
          return Result.refused(400, "budget.maxTokens", "must be a whole number");
        }
        if (tokens.asLong() < 1 || tokens.asLong() > MAX_TOKENS) {
          return Result.refused(400, "budget.maxTokens", "must be 1.." + MAX_TOKENS + ", was " + tokens.asText());
        }
        maxTokens = tokens.asLong();
      }
      BigDecimal maxCost = null;
      JsonNode cost = budgetNode.get("maxCostUsd");
      if (cost != null && !cost.isNull()) {
        if (!cost.isNumber()) {
          return Result.refused(400, "budget.maxCostUsd", "must be a number of US dollars");
        }
        maxCost = cost.decimalValue();
        if (maxCost.signum() < 0 || maxCost.compareTo(MAX_COST) > 0) {
          return Result.refused(400, "budget.maxCostUsd", "must be 0.." + MAX_COST + ", was " + cost.asText());
        }
      }
      budget = new Budget(maxTokens, maxCost);
    }

    Duration deadline = null;
    JsonNode deadlineNode = body.get("deadline");
    if (deadlineNode != null && !deadlineNode.isNull()) {
      if (!deadlineNode.isTextual()) {
        return Result.refused(400, "deadline", "must be an ISO-8601 duration such as PT10M");
      }
      try {
        deadline = Duration.parse(deadlineNode.asText());
      } catch (DateTimeParseException e) {
        return Result.refused(400, "deadline", "must be an ISO-8601 duration such as PT10M, was '" + deadlineNode.asText() + "'");
      }
      if (deadline.isNegative() || deadline.isZero() || deadline.compareTo(MAX_DEADLINE) > 0) {
        return Result.refused(400, "deadline", "must be positive and at most " + MAX_DEADLINE + ", was " + deadlineNode.asText());
      }
    }

    Priority priority = Priority.NORMAL;
    JsonNode priorityNode = body.get("priority");
    if (priorityNode != null && !priorityNode.isNull()) {
      String text = priorityNode.isTextual() ? priorityNode.asText() : "";
      try {
        priority = Priority.valueOf(text.toUpperCase(Locale.ROOT));
        if (!text.equals(text.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        return Result.refused(400, "priority", "must be one of low, normal, high");
      }
    }

    Map<String, String> labels = new LinkedHashMap<>();
    JsonNode labelsNode = body.get("labels");
    if (labelsNode != null && !labelsNode.isNull()) {
      if (!labelsNode.isObject()) {
        return Result.refused(400, "labels", "must be an object of string values");
      }
      if (labelsNode.size() > MAX_LABELS) {
        return Result.refused(400, "labels", "at most " + MAX_LABELS + " labels, got " + labelsNode.size());
      }
      for (var field : labelsNode.properties()) {
        if (!LABEL_KEY.matcher(field.getKey()).matches()) {
          return Result.refused(400, "labels", "label names are 1.." + MAX_LABEL_KEY + " of A-Z a-z 0-9 . _ / -");
        }
        if (!field.getValue().isTextual() || field.getValue().asText().length() > MAX_LABEL_VALUE) {
          return Result.refused(400, "labels." + field.getKey(), "must be a string of at most " + MAX_LABEL_VALUE + " characters");
        }
        labels.put(field.getKey(), field.getValue().asText());
      }
    }

    String requestHash = CanonicalJson.sha256(mapper, body);
    if (workflowRef != null) {
      String name = workflowRef.group(1);
      Integer version = workflowRef.group(2) == null ? null : Integer.valueOf(workflowRef.group(2));
      JsonNode taskInput = input;
      Budget taskBudget = budget;
      Duration taskDeadline = deadline;
      Priority taskPriority = priority;
      String taskGoal = goal;
      return Result.workflow(name, version, pinned -> new TaskRequest(tenant, null, pinned, taskGoal, null, taskInput,
          taskBudget, taskDeadline, taskPriority, labels, requestHash));
    }
    return Result.ok(TaskRequest.forCapability(tenant, capability.asText(), goal, null, input, budget, deadline,
        priority, labels, requestHash));
  }

  /** The path of the first array in {@code node} longer than allowed, or null. */
  private static String longArray(JsonNode node, String path) {
    if (node.isArray()) {
      if (node.size() > MAX_ARRAY_ELEMENTS) {
        return path;
      }
      for (int i = 0; i < node.size(); i++) {
        String found = longArray(node.get(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    } else if (node.isObject()) {
      for (var field : node.properties()) {
        String found = longArray(field.getValue(), path + "." + field.getKey());
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
