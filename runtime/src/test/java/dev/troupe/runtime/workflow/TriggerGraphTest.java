package dev.troupe.runtime.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which registrations would close a cycle of workflows that start each other. */
class TriggerGraphTest {
  private static WorkflowDefinition after(String name, String source) {
    Workflow.Builder builder = Workflow.builder(name).step("a", "text.summarize").done();
    if (source != null) {
      builder.triggeredBy("TaskCompleted", source, "{\"from\": \"${event.taskId}\"}");
    }
    return builder.build();
  }

  @Test
  void aWorkflowThatStartsItselfIsACycle() {
    assertEquals(Optional.of(List.of("echo", "echo")), TriggerGraph.cycleThrough(after("echo", "echo"), List.of()));
  }

  @Test
  void twoOrThreeWorkflowsThatStartEachOtherAreACycle() {
    assertEquals(Optional.of(List.of("a", "b", "a")),
        TriggerGraph.cycleThrough(after("a", "b"), List.of(after("b", "a"))));
    assertEquals(Optional.of(List.of("a", "c", "b", "a")),
        TriggerGraph.cycleThrough(after("a", "c"), List.of(after("b", "a"), after("c", "b"))));
    assertEquals("trigger: this would start a cycle that never ends: a runs after b, b runs after a (a <- b <- a)",
        TriggerGraph.describe(List.of("a", "b", "a")));
  }

  @Test
  void aChainOrAnUnregisteredSourceIsNoCycle() {
    assertEquals(Optional.empty(), TriggerGraph.cycleThrough(after("c", "b"), List.of(after("b", "a"), after("a", null))));
    assertEquals(Optional.empty(), TriggerGraph.cycleThrough(after("c", "nowhere"), List.of()));
    assertEquals(Optional.empty(), TriggerGraph.cycleThrough(after("solo", null), List.of(after("x", "solo"))));
  }

  @Test
  void theNewVersionReplacesTheOldOneInTheGraph() {
    // b used to run after a; its new version runs after c, so a after b is no longer a cycle.
    assertEquals(Optional.empty(), TriggerGraph.cycleThrough(after("b", "c"), List.of(after("a", "b"), after("b", "a"))));
  }
}
