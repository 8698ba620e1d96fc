package dev.troupe.runtime.workflow;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which workflows start which: a workflow whose trigger is {@code TaskCompleted} or {@code TaskFailed}
 * of workflow S runs after S. A chain of them that comes back to where it began would run forever,
 * so such a cycle is refused when the workflow that closes it is registered.
 */
public final class TriggerGraph {
  private TriggerGraph() {}

  /**
   * The cycle {@code candidate} would close among the {@code registered} workflows (the current
   * versions, {@code candidate}'s own replaced by it), as the names along it from {@code candidate}
   * back to itself; empty if it closes none.
   */
  public static Optional<List<String>> cycleThrough(WorkflowDefinition candidate,
      List<WorkflowDefinition> registered) {
    Map<String, WorkflowDefinition> byName = registered.stream()
        .filter(d -> !d.name().equals(candidate.name()))
        .collect(Collectors.toMap(WorkflowDefinition::name, Function.identity(), (a, b) -> b));
    byName.put(candidate.name(), candidate);
    List<String> path = new ArrayList<>(List.of(candidate.name()));
    Set<String> seen = new LinkedHashSet<>(path);
    WorkflowDefinition current = candidate;
    while (true) {
      String source = sourceOf(current);
      if (source == null) {
        return Optional.empty();
      }
      path.add(source);
      if (source.equals(candidate.name())) {
        return Optional.of(path);
      }
      if (!seen.add(source) || !byName.containsKey(source)) {
        return Optional.empty(); // a loop elsewhere (refused when it was made), or a source not registered yet
      }
      current = byName.get(source);
    }
  }

  /** The workflow whose tasks' ends start {@code definition}'s tasks, if any. */
  private static String sourceOf(WorkflowDefinition definition) {
    Trigger trigger = definition.trigger();
    if (trigger == null || Trigger.EXTERNAL.equals(trigger.on())) {
      return null;
    }
    return trigger.workflow();
  }

  /** The cycle in words, for the 400 the registration gets. */
  public static String describe(List<String> cycle) {
    StringBuilder text = new StringBuilder("trigger: this would start a cycle that never ends: ");
    for (int i = 0; i < cycle.size() - 1; i++) {
      text.append(i == 0 ? "" : ", ").append(cycle.get(i)).append(" runs after ").append(cycle.get(i + 1));
    }
    return text.append(" (").append(String.join(" <- ", cycle)).append(')').toString();
  }
}
