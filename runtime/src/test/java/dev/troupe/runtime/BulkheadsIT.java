package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.StepOutcome;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulkheads: 16 steps of an agent that blocks its thread (a synchronous client, a slow tool)
 * leave an unrelated agent's 1 ms step as quick as ever. Before, they shared one pool of 16
 * threads, and the quick step waited 19.4 s behind them.
 */
class BulkheadsIT {
  @TempDir
  static Path dataDir;
  private static EmbeddedNode node;
  private static final AuditActor TESTER = AuditActor.human("tester");
  private static final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    var blocking = TestModels.agent("blocking", "work.blocking", new AgentLimits(16, 10_000, new BigDecimal("100")),
        step -> {
          try {
            release.await(30, TimeUnit.SECONDS); // holds the thread, as a blocking client would
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return CompletableFuture.completedFuture(StepOutcome.completed(
              JsonNodeFactory.instance.objectNode().put("done", true), 1.0));
        });
    var quick = TestModels.agent("quick", "work.quick", AgentLimits.DEFAULT,
        step -> CompletableFuture.completedFuture(StepOutcome.completed(
            JsonNodeFactory.instance.objectNode().put("done", true), 1.0)));
    node = EmbeddedNode.start(dataDir, List.of(blocking, quick), "troupe.tasks.step-timeout = 40s");
  }

  @AfterAll
  static void stop() {
    release.countDown();
    node.close();
  }

  private static String submit(String capability) throws Exception {
    String taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
    TaskRequest request = TaskRequest.forCapability("default", capability, null, null,
        JsonNodeFactory.instance.objectNode(), null, null, Priority.NORMAL, Map.of(), "h-" + taskId);
    node.runtime.tasks().submit(taskId, request, TESTER, "trace").toCompletableFuture().get(10, TimeUnit.SECONDS);
    return taskId;
  }

  @Test
  void sixteenBlockedStepsOfOneAgentLeaveAnotherAgentsStepQuick() throws Exception {
    List<String> blocked = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      blocked.add(submit("work.blocking"));
    }
    for (String taskId : blocked.subList(0, 4)) { // the blocking type's 4 threads are all taken
      WorkflowPatternsIT.await(node, taskId, s -> !s.steps().isEmpty()
          && s.steps().get(0).status() == dev.troupe.runtime.task.StepStatus.RUNNING);
    }
    long started = System.nanoTime();
    TaskState quick = WorkflowPatternsIT.await(node, submit("work.quick"), s -> s.status().isFinal());
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(TaskStatus.COMPLETED, quick.status());
    assertTrue(tookMs < 1_000, "the quick step took " + tookMs + " ms with 16 blocked steps of another agent");

    release.countDown();
    for (String taskId : blocked) {
      assertEquals(TaskStatus.COMPLETED, WorkflowPatternsIT.await(node, taskId, s -> s.status().isFinal()).status());
    }
  }
}
