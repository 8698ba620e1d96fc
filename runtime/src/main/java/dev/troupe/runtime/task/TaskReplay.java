package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.Jcs;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.approval.Approval;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Replay-and-compare for one task: its journal folded again with the same pure functions the live
 * entity uses ({@link TaskState#apply}, {@link WorkflowPlanner#next}), and the result compared
 * with what was recorded and with what the task serves. Pure: the audit route and tests share it.
 *
 * <ul>
 *   <li>Recorded against rebuilt: a {@code TaskCompleted} must be what the planner decides from
 *       the events before it (the same output and usage).
 *   <li>Rebuilt against served: status, output, error, usage, each step's status, attempts and
 *       output, and each approval's decision must equal the live task's.
 * </ul>
 *
 * <p>Each difference names the event that caused it: the recorded event that disagrees, or the
 * last event that changed the field which differs.
 */
public final class TaskReplay {
  private TaskReplay() {}

  /** One disagreement, with the event it comes from. */
  public record Difference(long seq, String event, String what) {}

  /** The replay's verdict over {@code events} events. */
  public record Report(long events, List<Difference> differences) {
    public boolean ok() {
      return differences.isEmpty();
    }
  }

  /** Folds {@code entries} and compares with {@code served} (the live task; empty to compare with the record only). */
  public static Report check(String taskId, List<StoredEntry> entries, Optional<TaskState> served) {
    TaskState state = TaskState.empty(taskId);
    List<Difference> differences = new ArrayList<>();
    Map<String, StoredEntry> changedBy = new HashMap<>();
    // The live task may have moved on since it was asked: compare with the journal up to where it was.
    long upTo = served.map(task -> task.chainHead().seq()).orElse(Long.MAX_VALUE);
    entries = entries.stream().filter(stored -> stored.sequenceNr() <= upTo).toList();
    for (StoredEntry stored : entries) {
      if (stored.entry().event() instanceof TaskEvent.TaskCompleted recorded) {
        decidedAgain(state, recorded, stored).ifPresent(differences::add);
      }
      Map<String, String> before = facts(state);
      state = state.apply(stored.entry());
      Map<String, String> after = facts(state);
      after.forEach((field, value) -> {
        if (!Objects.equals(before.get(field), value)) {
          changedBy.put(field, stored);
        }
      });
    }
    if (served.isPresent()) {
      Map<String, String> replayed = facts(state);
      Map<String, String> live = facts(served.get());
      for (String field : union(replayed, live)) {
        String mine = replayed.get(field);
        String theirs = live.get(field);
        if (!Objects.equals(mine, theirs)) {
          StoredEntry cause = changedBy.get(field);
          differences.add(new Difference(cause == null ? 0 : cause.sequenceNr(),
              cause == null ? "none" : cause.entry().eventType(),
              field + ": the journal gives " + mine + ", the task serves " + theirs));
        }
      }
    }
    return new Report(entries.size(), differences);
  }

  private static Optional<Difference> decidedAgain(TaskState before, TaskEvent.TaskCompleted recorded,
      StoredEntry stored) {
    Optional<TaskEvent.TaskCompleted> again = WorkflowPlanner.next(before).stream()
        .filter(TaskEvent.TaskCompleted.class::isInstance).map(TaskEvent.TaskCompleted.class::cast).findFirst();
    if (again.isEmpty()) {
      return Optional.of(new Difference(stored.sequenceNr(), "TaskCompleted",
          "recorded the task as completed, but the events before it do not complete it"));
    }
    if (!json(again.get().output()).equals(json(recorded.output()))) {
      return Optional.of(new Difference(stored.sequenceNr(), "TaskCompleted", "recorded output "
          + json(recorded.output()) + ", but the events before it give " + json(again.get().output())));
    }
    if (!Objects.equals(again.get().usage(), recorded.usage())) {
      return Optional.of(new Difference(stored.sequenceNr(), "TaskCompleted", "recorded usage " + recorded.usage()
          + ", but the events before it add up to " + again.get().usage()));
    }
    return Optional.empty();
  }

  /** What is compared, as canonical text by name, so any two states can be diffed field by field. */
  private static Map<String, String> facts(TaskState state) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("status", String.valueOf(state.status()));
    facts.put("output", json(state.output()));
    facts.put("error", String.valueOf(state.error()));
    facts.put("usage", String.valueOf(state.usage()));
    for (StepState step : state.steps()) {
      String name = "step " + step.stepId();
      facts.put(name + " status", String.valueOf(step.status()));
      facts.put(name + " attempts", String.valueOf(step.attempts()));
      facts.put(name + " output", json(step.output()));
    }
    for (Approval approval : state.approvals()) {
      String name = "approval " + approval.approvalId();
      facts.put(name + " status", String.valueOf(approval.status()));
      facts.put(name + " decided by", String.valueOf(approval.decidedBy()));
      facts.put(name + " outcome", String.valueOf(approval.outcome()));
    }
    return facts;
  }

  private static List<String> union(Map<String, String> a, Map<String, String> b) {
    List<String> fields = new ArrayList<>(a.keySet());
    b.keySet().stream().filter(field -> !a.containsKey(field)).forEach(fields::add);
    return fields;
  }

  private static String json(JsonNode node) {
    return node == null ? "null" : Jcs.text(node);
  }
}
