package dev.troupe.runtime.workflow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Checks a definition before it is registered. Pure. Each problem names where it is
 * ({@code steps[2].after[0]: unknown step 'sumarize'}), so a client can fix it without guessing.
 */
public final class WorkflowValidator {
  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
  /** The type of an event posted from outside, as triggers name it. */
  public static final Pattern EXTERNAL_EVENT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
  static final Pattern STEP_ID = Pattern.compile("[a-z][a-z0-9-]{0,40}");
  public static final int MAX_STEPS = 100;
  public static final int MAX_LOOP = 100;
  static final Duration MAX_TIMEOUT = Duration.ofDays(1);

  private WorkflowValidator() {}

  /** The problems with {@code definition}, in order; empty when it can be registered. */
  public static List<String> problems(WorkflowDefinition definition, Predicate<String> capabilityKnown) {
    List<String> problems = new ArrayList<>();
    if (definition.name() == null || !NAME.matcher(definition.name()).matches()) {
      problems.add("name: must be 1..63 of a-z 0-9 - starting with a letter, was '" + definition.name() + "'");
    }
    checkThreshold(definition.minConfidence(), "minConfidence", problems);
    List<WorkflowStep> steps = definition.steps();
    if (steps.isEmpty()) {
      problems.add("steps: a workflow needs at least one step");
      return problems;
    }
    if (steps.size() > MAX_STEPS) {
      problems.add("steps: at most " + MAX_STEPS + " steps, got " + steps.size());
    }
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      WorkflowStep step = steps.get(i);
      String at = "steps[" + i + "]";
      if (step.id() == null || !STEP_ID.matcher(step.id()).matches()) {
        problems.add(at + ".id: must be 1..41 of a-z 0-9 - starting with a letter, was '" + step.id() + "'");
      } else if (index.putIfAbsent(step.id(), i) != null) {
        problems.add(at + ".id: duplicate step '" + step.id() + "'");
      }
    }
    for (int i = 0; i < steps.size(); i++) {
      checkStep(steps.get(i), "steps[" + i + "]", index, capabilityKnown, problems);
    }
    if (problems.isEmpty()) {
      String cycle = cycle(steps);
      if (cycle != null) {
        problems.add("steps: cycle " + cycle);
      }
    }
    if (problems.isEmpty()) {
      Map<String, Set<String>> before = upstream(steps);
      for (int i = 0; i < steps.size(); i++) {
        checkReferences(steps.get(i), "steps[" + i + "]", before.get(steps.get(i).id()), index.keySet(), problems);
      }
      Trigger trigger = definition.trigger();
      if (trigger != null) {
        if (trigger.on() == null || !Trigger.EVENTS.contains(trigger.on())) {
          problems.add("trigger.on: must be one of TaskCompleted, TaskFailed, ExternalEvent, was '" + trigger.on()
              + "'");
        }
        if (Trigger.EXTERNAL.equals(trigger.on())) {
          if (trigger.event() == null || !EXTERNAL_EVENT.matcher(trigger.event()).matches()) {
            problems.add("trigger.event: the external event's type, 1..100 of a-z 0-9 . _ -, was '" + trigger.event()
                + "'");
          }
          if (trigger.workflow() != null || trigger.capability() != null) {
            problems.add("trigger: an ExternalEvent trigger follows no tasks: no workflow or capability");
          }
        } else if (trigger.event() != null) {
          problems.add("trigger.event: only for on = ExternalEvent");
        } else if ((trigger.workflow() == null) == (trigger.capability() == null)) {
          problems.add("trigger: give exactly one of workflow or capability (whose tasks to follow)");
        } else if (definition.name() != null && definition.name().equals(trigger.workflow())) {
          problems.add("trigger.workflow: a workflow cannot trigger on its own tasks");
        }
        for (String path : Templates.references(trigger.input())) {
          if (!path.equals("event") && !path.startsWith("event.")) {
            problems.add("trigger.input: '" + path + "' must start with event");
          }
        }
      }
      for (String path : Templates.references(definition.output())) {
        String problem = reference(path, index.keySet(), index.keySet(), null, null);
        if (problem != null) {
          problems.add("output: " + problem);
        }
      }
    }
    return problems;
  }

  private static void checkStep(WorkflowStep step, String at, Map<String, Integer> index,
      Predicate<String> capabilityKnown, List<String> problems) {
    if (step.capability() == null || step.capability().isBlank()) {
      problems.add(at + ".capability: is missing");
    } else if (!capabilityKnown.test(step.capability())) {
      problems.add(at + ".capability: unknown capability '" + step.capability() + "'");
    }
    if (step.input() != null && !step.input().isObject() && !Templates.REFERENCE.matcher(step.input().asText("")).matches()) {
      problems.add(at + ".input: must be a JSON object (or a single \"${...}\" reference)");
    }
    for (int j = 0; j < step.after().size(); j++) {
      String dep = step.after().get(j);
      if (!index.containsKey(dep)) {
        problems.add(at + ".after[" + j + "]: unknown step '" + dep + "'");
      } else if (dep.equals(step.id())) {
        problems.add(at + ".after[" + j + "]: a step cannot wait for itself");
      }
    }
    if (step.when() != null) {
      checkCondition(step.when(), at + ".when", problems);
    }
    if (step.forEach() != null && step.loop() != null) {
      problems.add(at + ": forEach and loop cannot be combined on one step");
    }
    if (step.isPlanner() && (step.forEach() != null || step.loop() != null)) {
      problems.add(at + ": a planning step cannot also fan out or loop");
    }
    ForEach fan = step.forEach();
    if (fan != null) {
      if (fan.items() == null || !Templates.REFERENCE.matcher(fan.items()).matches()) {
        problems.add(at + ".forEach.items: must be a single \"${...}\" reference to an array");
      }
      if (fan.as() == null || !STEP_ID.matcher(fan.as()).matches() || fan.as().equals("input") || fan.as().equals("steps")) {
        problems.add(at + ".forEach.as: must name the element (a-z 0-9 -), not 'input' or 'steps', was '" + fan.as() + "'");
      }
      if (fan.join() == JoinPolicy.QUORUM && (fan.n() == null || fan.n() < 1)) {
        problems.add(at + ".forEach.n: a quorum needs n of at least 1");
      }
      if (fan.join() != JoinPolicy.QUORUM && fan.n() != null) {
        problems.add(at + ".forEach.n: only a quorum join takes n");
      }
    }
    Loop loop = step.loop();
    if (loop != null) {
      if (loop.max() == null) {
        problems.add(at + ".loop.max: every loop needs a maximum");
      } else if (loop.max() < 1 || loop.max() > MAX_LOOP) {
        problems.add(at + ".loop.max: must be 1.." + MAX_LOOP + ", was " + loop.max());
      }
      if (loop.until() == null) {
        problems.add(at + ".loop.until: a loop needs a condition to stop on");
      } else {
        checkCondition(loop.until(), at + ".loop.until", problems);
      }
    }
    if (step.timeout() != null && (step.timeout().isNegative() || step.timeout().isZero()
        || step.timeout().compareTo(MAX_TIMEOUT) > 0)) {
      problems.add(at + ".timeout: must be positive and at most " + MAX_TIMEOUT + ", was " + step.timeout());
    }
    checkThreshold(step.minConfidence(), at + ".minConfidence", problems);
  }

  private static void checkThreshold(Double threshold, String at, List<String> problems) {
    if (threshold != null && (threshold.isNaN() || threshold < 0 || threshold > 1)) {
      problems.add(at + ": must be from 0 to 1, was " + threshold);
    }
  }

  private static void checkCondition(Condition condition, String at, List<String> problems) {
    if (condition.path() == null || !Templates.PATH.matcher(condition.path()).matches()) {
      problems.add(at + ".path: must be a path such as steps.check.output.approved, was '" + condition.path() + "'");
    }
    if (condition.tests() != 1) {
      problems.add(at + ": give exactly one of equals, notEquals, exists");
    }
  }

  private static void checkReferences(WorkflowStep step, String at, Set<String> upstream, Set<String> all,
      List<String> problems) {
    String element = step.forEach() == null ? null : step.forEach().as();
    String self = step.loop() != null ? step.id() : null;
    for (String path : Templates.references(step.input())) {
      String problem = reference(path, upstream, all, element, self);
      if (problem != null) {
        problems.add(at + ".input: " + problem);
      }
    }
    if (step.when() != null) {
      String problem = reference(step.when().path(), upstream, all, null, null);
      if (problem != null) {
        problems.add(at + ".when.path: " + problem);
      }
    }
    if (step.forEach() != null && step.forEach().items() != null) {
      for (String path : Templates.references(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
          .textNode(step.forEach().items()))) {
        String problem = reference(path, upstream, all, null, null);
        if (problem != null) {
          problems.add(at + ".forEach.items: " + problem);
        }
      }
    }
    if (step.loop() != null && step.loop().until() != null) {
      String problem = reference(step.loop().until().path(), upstream, all, null, step.id());
      if (problem != null) {
        problems.add(at + ".loop.until.path: " + problem);
      }
    }
  }

  /** Why {@code path} cannot be resolved where it is used, or null if it can. */
  private static String reference(String path, Set<String> upstream, Set<String> all, String element, String self) {
    if (!Templates.PATH.matcher(path).matches()) {
      return "'" + path + "' is not a path";
    }
    String[] parts = path.split("\\.");
    String root = parts[0].replaceAll("\\[.*", "");
    if (root.equals("input") || root.equals(element)) {
      return null;
    }
    if (!root.equals("steps") || parts.length < 3 || !parts[2].startsWith("output")) {
      return "'" + path + "' must start with input, steps.<id>.output" + (element == null ? "" : " or " + element);
    }
    String id = parts[1];
    if (!all.contains(id)) {
      return "'" + path + "' refers to unknown step '" + id + "'";
    }
    if (!upstream.contains(id) && !id.equals(self)) {
      return "'" + path + "' uses step '" + id + "', which this step does not wait for (add it to after)";
    }
    return null;
  }

  /** A cycle in the after-graph, as "a → b → a", or null. */
  private static String cycle(List<WorkflowStep> steps) {
    Map<String, List<String>> edges = new LinkedHashMap<>();
    steps.forEach(s -> edges.put(s.id(), s.after()));
    return cycle(edges);
  }

  /** A cycle in a dependency graph (id → the ids it waits for), as "a → b → a", or null. */
  public static String cycle(Map<String, List<String>> edges) {
    Set<String> done = new HashSet<>();
    for (String id : edges.keySet()) {
      List<String> path = new ArrayList<>();
      String found = visit(id, edges, done, path, new HashSet<>());
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static String visit(String id, Map<String, List<String>> edges, Set<String> done, List<String> path,
      Set<String> onPath) {
    if (onPath.contains(id)) {
      List<String> loop = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
      loop.add(id);
      return String.join(" → ", loop);
    }
    if (!done.add(id)) {
      return null;
    }
    path.add(id);
    onPath.add(id);
    for (String dep : edges.getOrDefault(id, List.of())) {
      String found = visit(dep, edges, done, path, onPath);
      if (found != null) {
        return found;
      }
    }
    onPath.remove(id);
    path.remove(path.size() - 1);
    return null;
  }

  /** For each step, every step it (transitively) waits for. */
  static Map<String, Set<String>> upstream(List<WorkflowStep> steps) {
    Map<String, WorkflowStep> byId = new HashMap<>();
    steps.forEach(s -> byId.put(s.id(), s));
    Map<String, Set<String>> out = new HashMap<>();
    for (WorkflowStep step : steps) {
      Set<String> seen = new HashSet<>();
      List<String> todo = new ArrayList<>(step.after());
      while (!todo.isEmpty()) {
        String next = todo.remove(todo.size() - 1);
        if (seen.add(next) && byId.containsKey(next)) {
          todo.addAll(byId.get(next).after());
        }
      }
      out.put(step.id(), seen);
    }
    return out;
  }
}
