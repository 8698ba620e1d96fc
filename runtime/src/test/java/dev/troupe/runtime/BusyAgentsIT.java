package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.StepStatus;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.StepOutcome;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A busy agent is not a failed attempt: steps wait in their capability's line, by priority,
 * for a free slot, and every task completes on its first attempt.
 */
class BusyAgentsIT {
  @TempDir
  static Path dataDir;
  private static EmbeddedNode node;
  private static final AuditActor TESTER = AuditActor.human("tester");
  /** Answers after 100 ms on the JDK's delay thread (the default would start a thread per call). */
  private static final Executor LATER = CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS, Runnable::run);
  /** The order in which the gated agent ran its steps, by the input's name. */
  private static final List<String> ran = Collections.synchronizedList(new ArrayList<>());
  private static volatile CompletableFuture<StepOutcome> gate = new CompletableFuture<>();

  @BeforeAll
  static void start() throws Exception {
    var slow = TestModels.agent("slow", "work.slow", new AgentLimits(2, 10_000, new BigDecimal("100")),
        step -> CompletableFuture.supplyAsync(() -> StepOutcome.completed(
            JsonNodeFactory.instance.objectNode().put("done", true), 1.0), LATER));
    var gated = TestModels.agent("gated", "work.gated", new AgentLimits(1, 10_000, new BigDecimal("100")),
        step -> {
          String name = step.input().path("name").asText();
          ran.add(name);
          return name.equals("blocker") ? gate : CompletableFuture.completedFuture(StepOutcome.completed(
              JsonNodeFactory.instance.objectNode().put("done", name), 1.0));
        });
    node = EmbeddedNode.start(dataDir, List.of(slow, gated), "troupe.tasks.step-timeout = 20s");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String submit(String capability, String name, Priority priority) throws Exception {
    String taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
    TaskRequest request = TaskRequest.forCapability("default", capability, null, null,
        JsonNodeFactory.instance.objectNode().put("name", name), null, null, priority, Map.of(), "h-" + taskId);
    var reply = node.runtime.tasks().submit(taskId, request, TESTER, "trace").toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertEquals(TaskEntity.Accepted.class, reply.getClass());
    return taskId;
  }

  private static TaskState finished(String taskId) throws Exception {
    return WorkflowPatternsIT.await(node, taskId, state -> state.status().isFinal());
  }

  @Test
  void moreStepsThanSlotsAllCompleteOnTheirFirstAttempt() throws Exception {
    List<String> taskIds = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      taskIds.add(submit("work.slow", "t" + i, Priority.NORMAL));
    }
    for (String taskId : taskIds) {
      TaskState state = finished(taskId);
      assertEquals(TaskStatus.COMPLETED, state.status(), state.toString());
      assertEquals(1, state.steps().get(0).attempts(), "waiting for a slot is not an attempt: " + state);
      assertEquals(StepStatus.COMPLETED, state.steps().get(0).status());
    }
  }

  @Test
  void tasksAndTheirStepsStartNoThreads() throws Exception {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    runTasks(20); // dispatchers and pools reach their size
    long before = threads.getTotalStartedThreadCount();
    runTasks(200);
    long started = threads.getTotalStartedThreadCount() - before;
    assertTrue(started < 20, started + " threads started for 200 tasks");
  }

  /** Submits and awaits tasks as an embedding application would, chaining plain stages. */
  private static void runTasks(int count) throws Exception {
    List<CompletableFuture<TaskStatus>> results = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
      TaskRequest request = TaskRequest.forCapability("default", "work.slow", null, null,
          JsonNodeFactory.instance.objectNode().put("name", "t" + i), null, null, Priority.NORMAL, Map.of(),
          "h-" + taskId);
      results.add(node.runtime.tasks().submit(taskId, request, TESTER, "trace")
          .thenCompose(accepted -> node.runtime.tasks().awaitResult(taskId, Duration.ofSeconds(30)))
          .thenApply(TaskEntity.Result::status)
          .toCompletableFuture());
    }
    for (CompletableFuture<TaskStatus> result : results) {
      assertEquals(TaskStatus.COMPLETED, result.get(60, TimeUnit.SECONDS));
    }
  }

  @Test
  void aFreedSlotGoesToTheMostUrgentWaitingStepThenToWhoCameFirst() throws Exception {
    String blocker = submit("work.gated", "blocker", Priority.NORMAL);
    WorkflowPatternsIT.await(node, blocker, s -> s.steps().get(0).status() == StepStatus.RUNNING);
    List<String> waiting = new ArrayList<>();
    waiting.add(submit("work.gated", "low-1", Priority.LOW));
    waiting.add(submit("work.gated", "normal-1", Priority.NORMAL));
    waiting.add(submit("work.gated", "low-2", Priority.LOW));
    waiting.add(submit("work.gated", "high-1", Priority.HIGH));
    waiting.add(submit("work.gated", "normal-2", Priority.NORMAL));
    Thread.sleep(300); // every match request is in the line by now; none may have run
    assertEquals(List.of("blocker"), List.copyOf(ran));

    gate.complete(StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("done", "blocker"), 1.0));
    for (String taskId : waiting) {
      TaskState state = finished(taskId);
      assertEquals(TaskStatus.COMPLETED, state.status(), state.toString());
      assertEquals(1, state.steps().get(0).attempts(), state.toString());
    }
    assertEquals(List.of("blocker", "high-1", "normal-1", "normal-2", "low-1", "low-2"), List.copyOf(ran));
  }

  @Test
  void theNodesPartsHangUnderOneRuntimeGuardian() {
    // DESIGN's tree, as the running node has it: the marketplace under the "troupe" guardian.
    assertEquals("/system/troupe/registry", node.runtime.registry().path().toStringWithoutAddress());
  }
}
