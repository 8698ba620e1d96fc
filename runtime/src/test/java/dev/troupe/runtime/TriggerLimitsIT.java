package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.runtime.workflow.TriggerRouter;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.runtime.workflow.WorkflowClient;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.runtime.workflow.WorkflowEvent;
import dev.troupe.sdk.StepOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workflows that start each other: a cycle is refused when registered, and a chain stops at the depth limit. */
class TriggerLimitsIT {
  @TempDir
  static Path dataDir;
  private static EmbeddedNode node;
  private static final AuditActor ADMIN = AuditActor.human("admin");

  @BeforeAll
  static void start() throws Exception {
    var quick = TestModels.agent("quick", "work.quick", step -> CompletableFuture.completedFuture(
        StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("done", true), 1.0)));
    node = EmbeddedNode.start(dataDir, List.of(quick), "troupe.tasks.max-trigger-depth = 2");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WorkflowDefinition after(String name, String source) {
    Workflow.Builder builder = Workflow.builder(name).step("a", "work.quick").done();
    if (source != null) {
      builder.triggeredBy("TaskCompleted", source, "{\"from\": \"${event.taskId}\"}");
    }
    return builder.build();
  }

  private static Object get(String taskId) {
    try {
      return node.runtime.tasks().get(taskId).toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return e;
    }
  }

  private static void register(WorkflowDefinition definition) throws Exception {
    node.runtime.workflows().register(definition, ADMIN).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void twoWorkflowsThatWouldStartEachOtherAreRefusedAtRegistration() throws Exception {
    register(after("ping", null));
    register(after("pong", "ping"));
    ExecutionException refused = assertThrows(ExecutionException.class, () -> register(after("ping", "pong")));
    var invalid = assertInstanceOf(WorkflowClient.InvalidWorkflowException.class, refused.getCause());
    assertEquals("trigger: this would start a cycle that never ends: ping runs after pong, pong runs after ping"
        + " (ping <- pong <- ping)", invalid.getMessage());

    // Rolling back to a version that would close a cycle is refused the same way.
    register(after("tick", "tock")); // tock does not exist yet: no cycle
    register(after("tick", null));
    register(after("tock", "tick"));
    ExecutionException rolledBack = assertThrows(ExecutionException.class, () -> node.runtime.workflows()
        .rollback("tick", 1, ADMIN).toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals(WorkflowClient.InvalidWorkflowException.class, rolledBack.getCause().getClass(),
        "version 1 of tick runs after tock, which runs after tick: " + rolledBack);
  }

  @Test
  void twoRegistrationsAtOnceCannotCloseACycleBetweenThem() throws Exception {
    for (int round = 0; round < 5; round++) {
      String yin = "yin-" + round;
      String yang = "yang-" + round;
      register(after(yin, null));
      register(after(yang, null));
      // Each alone is fine; together they would start each other forever.
      var first = node.runtime.workflows().register(after(yin, yang), ADMIN).toCompletableFuture();
      var second = node.runtime.workflows().register(after(yang, yin), ADMIN).toCompletableFuture();
      int registered = 0;
      int refused = 0;
      for (var registration : List.of(first, second)) {
        try {
          registration.get(10, TimeUnit.SECONDS);
          registered++;
        } catch (ExecutionException e) {
          assertInstanceOf(WorkflowClient.InvalidWorkflowException.class, e.getCause());
          refused++;
        }
      }
      assertEquals(1, registered, "round " + round + ": exactly one of the two is registered");
      assertEquals(1, refused, "round " + round);
    }
  }

  @Test
  void aChainOfTriggersStopsAtTheMaximumDepthAndTheRouterJournalsWhy() throws Exception {
    register(after("chain-0", null));
    register(after("chain-1", "chain-0"));
    register(after("chain-2", "chain-1"));
    register(after("chain-3", "chain-2"));
    PinnedWorkflow first = node.runtime.workflows().resolve("chain-0", null).toCompletableFuture().get().orElseThrow();
    String t0 = "tsk_chain0000000000000000000000000";
    node.runtime.tasks().submit(t0, new TaskRequest("default", null, first, null, null,
        JsonNodeFactory.instance.objectNode(), null, null, null, Map.of(), "h-chain"), ADMIN, "trace")
        .toCompletableFuture().get(10, TimeUnit.SECONDS);

    String t1 = TriggerRouter.triggeredTaskId("chain-1", t0, "TaskCompleted");
    String t2 = TriggerRouter.triggeredTaskId("chain-2", t1, "TaskCompleted");
    String t3 = TriggerRouter.triggeredTaskId("chain-3", t2, "TaskCompleted");
    assertEquals("1", WorkflowPatternsIT.await(node, t1, s -> s.status() == TaskStatus.COMPLETED).labels()
        .get(TriggerRouter.DEPTH_LABEL));
    TaskState second = WorkflowPatternsIT.await(node, t2, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals("2", second.labels().get(TriggerRouter.DEPTH_LABEL));

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<Object> routerEvents = List.of();
    while (System.nanoTime() < deadline && routerEvents.stream().noneMatch(WorkflowEvent.TriggerRefused.class::isInstance)) {
      routerEvents = node.runtime.audit().entries(TriggerRouter.NAME).toCompletableFuture().get(5, TimeUnit.SECONDS)
          .stream().map(e -> (Object) e.entry().event()).toList();
      Thread.sleep(100);
    }
    List<Object> journaled = routerEvents;
    WorkflowEvent.TriggerRefused refused = journaled.stream().filter(WorkflowEvent.TriggerRefused.class::isInstance)
        .map(WorkflowEvent.TriggerRefused.class::cast).findFirst().orElseThrow(() -> new AssertionError(
            "no refusal journaled: " + journaled + "; t3: " + get(t3)));
    assertEquals(new WorkflowEvent.TriggerRefused("chain-3", t2, 3, "task " + t2 + " is 2 triggers deep; a task it"
        + " started would be 3, past troupe.tasks.max-trigger-depth (2)"), refused);
    assertTrue(node.runtime.tasks().get(t3).toCompletableFuture().get(5, TimeUnit.SECONDS)
        instanceof TaskEntity.NotFound, "chain-3 was not started");
  }
}
