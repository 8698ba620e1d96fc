package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.runtime.workflow.ForEach;
import dev.troupe.runtime.workflow.JoinPolicy;
import dev.troupe.runtime.workflow.SubtaskPlan;
import dev.troupe.runtime.workflow.Templates;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.runtime.workflow.WorkflowStep;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides what a task does next, from its state alone. Pure: the entity persists what this returns
 * (and replay would decide the same). Given the pinned workflow and the runs so far, it plans the
 * steps whose dependencies are done (with their inputs resolved), skips steps whose condition is
 * false or all of whose dependencies were skipped (a merge after alternative branches runs when
 * any branch it waits for completed), joins fan-outs by their policy (cancelling runs no longer
 * needed), continues loops until their condition holds or their maximum is reached, and completes
 * or fails the task.
 */
public final class WorkflowPlanner {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** Where a workflow step stands, judged from its runs. */
  enum Progress {
    NOT_PLANNED,
    RUNNING,
    /** A loop whose last run completed without meeting its condition, with runs left. */
    CONTINUE,
    /** A planning step whose plan is being run. */
    PLANNING,
    COMPLETED,
    SKIPPED,
    FAILED
  }

  private WorkflowPlanner() {}

  /**
   * Whether some workflow step has failed beyond what its join tolerates, so the task cannot
   * finish: judged from the runs alone, whatever the task's status (it may be waiting for a human).
   */
  public static boolean cannotFinish(TaskState state) {
    Map<String, String> failures = new HashMap<>();
    return state.plan().steps().stream().anyMatch(step -> progress(state, step, failures) == Progress.FAILED);
  }

  /** The events that move {@code state} on; empty when it waits for something. */
  public static List<TaskEvent> next(TaskState state) {
    if (state.status() != TaskStatus.ACCEPTED && state.status() != TaskStatus.RUNNING) {
      return List.of(); // finished, or waiting for a human
    }
    WorkflowDefinition plan = state.plan();
    Map<String, Progress> progress = new HashMap<>();
    Map<String, String> failures = new HashMap<>();
    for (WorkflowStep step : plan.steps()) {
      progress.put(step.id(), progress(state, step, failures));
    }
    for (WorkflowStep step : plan.steps()) {
      if (progress.get(step.id()) == Progress.FAILED) {
        return List.of(new TaskEvent.TaskFailed("step " + step.id() + " failed" + failures.get(step.id()),
            state.usage()));
      }
    }
    ObjectNode scope = scope(state, plan, progress);
    for (WorkflowStep step : plan.steps()) {
      // A loop is done once its condition holds on its last output, judged against the whole scope.
      if (progress.get(step.id()) == Progress.CONTINUE && step.loop().until().holds(scope)) {
        progress.put(step.id(), Progress.COMPLETED);
      }
    }
    List<TaskEvent> events = new ArrayList<>();
    for (WorkflowStep step : plan.steps()) {
      Progress now = progress.get(step.id());
      if (now == Progress.COMPLETED && step.forEach() != null) {
        cancelLeftovers(state, step, events);
      }
      if (now == Progress.PLANNING) {
        events.addAll(readySubtasks(state, step, scope));
        continue;
      }
      if (now == Progress.CONTINUE) {
        TaskEvent next = nextIteration(state, step, scope);
        events.add(next);
        if (next instanceof TaskEvent.TaskFailed) {
          return events;
        }
        continue;
      }
      if (now != Progress.NOT_PLANNED) {
        continue;
      }
      String waitingFor = null;
      List<String> skippedDeps = new ArrayList<>();
      for (String dep : step.after()) {
        Progress before = progress.get(dep);
        if (before == Progress.SKIPPED) {
          skippedDeps.add(dep);
        } else if (before != Progress.COMPLETED) {
          waitingFor = dep;
        }
      }
      if (waitingFor != null) {
        continue;
      }
      String stepId = state.taskId() + "." + step.id();
      // A merge after alternative branches runs when any branch it waits for completed; it is
      // skipped only when every one of them was skipped.
      if (!skippedDeps.isEmpty() && skippedDeps.size() == step.after().size()) {
        events.add(new TaskEvent.StepSkipped(stepId, step.id(), skippedDeps.size() == 1
            ? "skipped because step " + skippedDeps.get(0) + " was skipped"
            : "skipped because every step it waits for was skipped (" + String.join(", ", skippedDeps) + ")"));
        progress.put(step.id(), Progress.SKIPPED);
        continue;
      }
      if (step.when() != null && !step.when().holds(scope)) {
        events.add(new TaskEvent.StepSkipped(stepId, step.id(), "its condition " + step.when() + " was false"));
        progress.put(step.id(), Progress.SKIPPED);
        continue;
      }
      if (step.forEach() != null) {
        JsonNode items = Templates.resolve(JSON.textNode(step.forEach().items()), scope);
        if (!items.isArray()) {
          return List.of(new TaskEvent.TaskFailed("step " + step.id() + ": forEach.items " + step.forEach().items()
              + " is not an array", state.usage()));
        }
        if (items.isEmpty()) {
          events.add(new TaskEvent.StepSkipped(stepId, step.id(), "forEach over an empty list"));
          progress.put(step.id(), Progress.SKIPPED);
          continue;
        }
        for (int i = 0; i < items.size(); i++) {
          ObjectNode itemScope = scope.deepCopy();
          itemScope.set(step.forEach().as(), items.get(i));
          events.add(new TaskEvent.StepPlanned(stepId + "[" + i + "]", step.id(), step.capability(),
              input(step, itemScope), i, null));
        }
      } else if (step.loop() != null) {
        events.add(new TaskEvent.StepPlanned(stepId + "#1", step.id(), step.capability(), input(step, scope), null, 1));
      } else {
        events.add(new TaskEvent.StepPlanned(stepId, step.id(), step.capability(), input(step, scope), null, null));
      }
      // A planning step's subtasks follow once its planner has answered.
      progress.put(step.id(), Progress.RUNNING);
    }
    boolean allDone = plan.steps().stream().allMatch(s ->
        progress.get(s.id()) == Progress.COMPLETED || progress.get(s.id()) == Progress.SKIPPED);
    if (allDone && events.stream().noneMatch(e -> e instanceof TaskEvent.StepPlanned)) {
      events.add(new TaskEvent.TaskCompleted(output(plan, scope, progress), state.usage()));
    }
    return events;
  }

  /** The steps planned by {@code events} that can go to an agent now. */
  public static List<String> toStart(List<TaskEvent> events) {
    return events.stream().filter(e -> e instanceof TaskEvent.StepPlanned)
        .map(e -> ((TaskEvent.StepPlanned) e).stepId()).toList();
  }

  static Progress progress(TaskState state, WorkflowStep step, Map<String, String> failures) {
    List<StepState> runs = state.runsOf(step.id());
    if (runs.isEmpty()) {
      return Progress.NOT_PLANNED;
    }
    if (step.isPlanner()) {
      return planProgress(state, step, runs.get(runs.size() - 1), failures);
    }
    ForEach fan = step.forEach();
    if (runs.stream().allMatch(r -> r.status() == StepStatus.SKIPPED)
        || fan == null && runs.stream().anyMatch(r -> r.status() == StepStatus.SKIPPED)) {
      return Progress.SKIPPED;
    }
    if (fan != null) {
      // A skipped run (its proposal was rejected with the skip policy) is left out of the join.
      long completed = runs.stream().filter(r -> r.status() == StepStatus.COMPLETED).count();
      long failed = runs.stream().filter(r -> r.status() == StepStatus.FAILED).count();
      int total = (int) runs.stream().filter(r -> r.status() != StepStatus.SKIPPED).count();
      int needed = fan.join() == JoinPolicy.ALL ? total : fan.join() == JoinPolicy.ANY ? 1 : fan.n();
      if (completed >= needed) {
        return Progress.COMPLETED;
      }
      if (total - failed < needed) {
        failures.put(step.id(), ": " + failed + " of " + total + " runs failed, " + fan.join().wireName()
            + (fan.join() == JoinPolicy.QUORUM ? " of " + fan.n() : "") + " can no longer be met; first: "
            + runs.stream().filter(r -> r.status() == StepStatus.FAILED).findFirst().map(StepState::error).orElse("?"));
        return Progress.FAILED;
      }
      return Progress.RUNNING;
    }
    StepState last = runs.get(runs.size() - 1);
    if (last.status() == StepStatus.FAILED || last.status() == StepStatus.CANCELLED) {
      failures.put(step.id(), (last.attempts() > 1 ? " after " + last.attempts() + " attempts: " : ": ") + last.error());
      return Progress.FAILED;
    }
    if (last.status() != StepStatus.COMPLETED) {
      return Progress.RUNNING;
    }
    if (step.loop() == null || last.iteration() >= step.loop().max()) {
      return Progress.COMPLETED;
    }
    return Progress.CONTINUE; // next() checks the loop's condition against the full scope

  }

  private static Progress planProgress(TaskState state, WorkflowStep step, StepState planner,
      Map<String, String> failures) {
    if (planner.status() == StepStatus.FAILED || planner.status() == StepStatus.CANCELLED) {
      failures.put(step.id(), (planner.attempts() > 1 ? " after " + planner.attempts() + " attempts: " : ": ")
          + planner.error());
      return Progress.FAILED;
    }
    if (planner.status() != StepStatus.COMPLETED) {
      return Progress.RUNNING;
    }
    SubtaskPlan plan;
    try {
      plan = SubtaskPlan.parse(planner.output());
    } catch (SubtaskPlan.InvalidPlanException e) {
      failures.put(step.id(), ": the plan is invalid: " + e.getMessage());
      return Progress.FAILED;
    }
    boolean allDone = true;
    for (SubtaskPlan.Subtask subtask : plan.subtasks()) {
      List<StepState> runs = state.runsOf(step.id() + "/" + subtask.id());
      StepState last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (last != null && (last.status() == StepStatus.FAILED || last.status() == StepStatus.CANCELLED)) {
        failures.put(step.id(), ": subtask " + subtask.id() + " failed: " + last.error());
        return Progress.FAILED;
      }
      allDone &= last != null && last.status() == StepStatus.COMPLETED;
    }
    return allDone ? Progress.COMPLETED : Progress.PLANNING;
  }

  /** The planned subtasks whose subtasks-before are done and that are not planned yet. */
  private static List<TaskEvent> readySubtasks(TaskState state, WorkflowStep step, ObjectNode scope) {
    StepState planner = state.runsOf(step.id()).get(state.runsOf(step.id()).size() - 1);
    SubtaskPlan plan;
    try {
      plan = SubtaskPlan.parse(planner.output());
    } catch (SubtaskPlan.InvalidPlanException e) {
      return List.of(); // progress() reported it
    }
    ObjectNode subScope = scope.deepCopy();
    ObjectNode done = subScope.putObject("subtasks");
    Map<String, StepState> latest = new HashMap<>();
    for (SubtaskPlan.Subtask subtask : plan.subtasks()) {
      List<StepState> runs = state.runsOf(step.id() + "/" + subtask.id());
      if (!runs.isEmpty()) {
        StepState last = runs.get(runs.size() - 1);
        latest.put(subtask.id(), last);
        if (last.status() == StepStatus.COMPLETED) {
          done.putObject(subtask.id()).set("output", last.output());
        }
      }
    }
    List<TaskEvent> events = new ArrayList<>();
    for (SubtaskPlan.Subtask subtask : plan.subtasks()) {
      if (latest.containsKey(subtask.id())) {
        continue;
      }
      boolean ready = subtask.after().stream().allMatch(dep ->
          latest.containsKey(dep) && latest.get(dep).status() == StepStatus.COMPLETED);
      if (ready) {
        JsonNode input = subtask.input() == null ? JSON.objectNode() : Templates.resolve(subtask.input(), subScope);
        String name = step.id() + "/" + subtask.id();
        events.add(new TaskEvent.StepPlanned(state.taskId() + "." + name, name, subtask.capability(), input, null,
            null, subtask.workflow()));
      }
    }
    return events;
  }

  private static TaskEvent nextIteration(TaskState state, WorkflowStep step, ObjectNode scope) {
    List<StepState> runs = state.runsOf(step.id());
    StepState last = runs.get(runs.size() - 1);
    JsonNode input = input(step, scope);
    for (StepState earlier : runs) {
      if (input.equals(earlier.input())) {
        return new TaskEvent.TaskFailed("step " + step.id() + ": run " + (last.iteration() + 1)
            + " would repeat the identical call of run " + earlier.iteration() + "; stopped", state.usage());
      }
    }
    int iteration = last.iteration() + 1;
    return new TaskEvent.StepPlanned(state.taskId() + "." + step.id() + "#" + iteration, step.id(), step.capability(),
        input, null, iteration);
  }

  private static void cancelLeftovers(TaskState state, WorkflowStep step, List<TaskEvent> events) {
    for (StepState run : state.runsOf(step.id())) {
      if (!run.isTerminal()) {
        events.add(new TaskEvent.StepCancelled(run.stepId(),
            "the fan-out was already joined (" + step.forEach().join().wireName() + ")"));
      }
    }
  }

  private static JsonNode input(WorkflowStep step, ObjectNode scope) {
    JsonNode template = step.input() == null ? JSON.objectNode() : step.input();
    JsonNode resolved = Templates.resolve(template, scope);
    return resolved.isObject() ? resolved : JSON.objectNode().set("value", resolved);
  }

  /** {@code {"input": ..., "steps": {"<id>": {"output": ...}}}} from what is done so far. */
  static ObjectNode scope(TaskState state, WorkflowDefinition plan, Map<String, Progress> progress) {
    ObjectNode scope = JSON.objectNode();
    scope.set("input", state.input() == null ? JSON.objectNode() : state.input());
    ObjectNode steps = scope.putObject("steps");
    for (WorkflowStep step : plan.steps()) {
      Progress p = progress.get(step.id());
      if (p == Progress.COMPLETED || p == Progress.CONTINUE) {
        steps.putObject(step.id()).set("output", logicalOutput(state, step));
      }
    }
    return scope;
  }

  /** A step's output for later steps: its run's, a fan-out's {@code {"items": [...]}}, a loop's last. */
  static JsonNode logicalOutput(TaskState state, WorkflowStep step) {
    List<StepState> runs = state.runsOf(step.id());
    if (step.isPlanner() && !runs.isEmpty()) {
      ObjectNode out = JSON.objectNode();
      JsonNode planOutput = runs.get(runs.size() - 1).output();
      out.set("plan", planOutput);
      ObjectNode results = out.putObject("results");
      planOutput.path("subtasks").forEach(subtask -> {
        String id = subtask.path("id").asText();
        List<StepState> subRuns = state.runsOf(step.id() + "/" + id);
        if (!subRuns.isEmpty() && subRuns.get(subRuns.size() - 1).status() == StepStatus.COMPLETED) {
          results.set(id, subRuns.get(subRuns.size() - 1).output());
        }
      });
      return out;
    }
    if (step.forEach() != null) {
      ObjectNode out = JSON.objectNode();
      ArrayNode items = out.putArray("items");
      runs.stream().filter(r -> r.status() == StepStatus.COMPLETED)
          .sorted((a, b) -> Integer.compare(a.index(), b.index()))
          .forEach(r -> items.add(r.output()));
      return out;
    }
    for (int i = runs.size() - 1; i >= 0; i--) {
      if (runs.get(i).status() == StepStatus.COMPLETED) {
        return runs.get(i).output();
      }
    }
    return JSON.nullNode();
  }

  private static JsonNode output(WorkflowDefinition plan, ObjectNode scope, Map<String, Progress> progress) {
    if (plan.output() != null) {
      JsonNode resolved = Templates.resolve(plan.output(), scope);
      return resolved.isObject() ? resolved : JSON.objectNode().set("value", resolved);
    }
    for (int i = plan.steps().size() - 1; i >= 0; i--) {
      WorkflowStep step = plan.steps().get(i);
      if (progress.get(step.id()) == Progress.COMPLETED) {
        JsonNode out = scope.path("steps").path(step.id()).path("output");
        return out.isObject() ? out : JSON.objectNode().set("value", out);
      }
    }
    return JSON.objectNode();
  }
}
