package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEvent;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agents that fail: one type fails a fixed fraction of first attempts, another always runs past
 * the step timeout. Tasks still complete, through retries and reroutes, and the journal shows
 * every attempt.
 */
class FaultInjectionIT {
  private static final int TASKS = 20;
  private static final AtomicInteger FLAKY_FAILURES = new AtomicInteger();
  private static final AtomicInteger SLOW_STARTS = new AtomicInteger();

  @TempDir
  Path dataDir;

  /** Fails the first attempt of 40% of tasks (chosen by task id), answers otherwise. */
  static boolean failsFirstAttempt(String taskId) {
    return Math.floorMod(taskId.hashCode(), 10) < 4;
  }

  @Test
  void tasksCompleteThroughRetriesAndReroutesAndTheJournalShowsEveryAttempt() throws Exception {
    AgentLimits roomy = new AgentLimits(100, 10_000, new BigDecimal("100"));
    var flaky = TestModels.agent("flaky", "fault.work", roomy, step -> {
      if (step.attempt() == 1 && failsFirstAttempt(step.taskId())) {
        FLAKY_FAILURES.incrementAndGet();
        return CompletableFuture.completedFuture(StepOutcome.retryable("injected failure"));
      }
      return CompletableFuture.completedFuture(StepOutcome.completed(
          JsonNodeFactory.instance.objectNode().put("by", "flaky"), 1.0));
    });
    var slow = TestModels.agent("slowpoke", "fault.work", roomy, step -> {
      SLOW_STARTS.incrementAndGet();
      // Answers long after the one-second step timeout.
      return CompletableFuture.supplyAsync(() -> StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.0),
          CompletableFuture.delayedExecutor(5, TimeUnit.SECONDS));
    });
    try (EmbeddedNode node = EmbeddedNode.start(dataDir, List.of(flaky, slow),
        "troupe.tasks { step-timeout = 1s, max-attempts = 6, retry-backoff = 50ms }")) {
      List<String> taskIds = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        String taskId = "tsk_fault_" + i;
        node.runtime.tasks().submit(taskId, TaskRequest.forCapability("default", "fault.work", null, null,
                JsonNodeFactory.instance.objectNode().put("n", i), null, null, null, Map.of(), "h" + i),
            AuditActor.human("tester"), "trace").toCompletableFuture().get(10, TimeUnit.SECONDS);
        taskIds.add(taskId);
      }
      int timeouts = 0;
      int injected = 0;
      for (String taskId : taskIds) {
        TaskState done = WorkflowPatternsIT.await(node, taskId, s -> s.status().isFinal());
        assertEquals(TaskStatus.COMPLETED, done.status(), taskId + ": " + done.error());
        assertEquals("flaky", done.output().get("by").asText(), "only the flaky agent ever answers in time");
        List<StoredEntry> journal = node.runtime.audit().entries(TaskClient.persistenceId(taskId))
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<TaskEvent.StepStarted> starts = journal.stream().map(e -> e.entry().event())
            .filter(TaskEvent.StepStarted.class::isInstance).map(TaskEvent.StepStarted.class::cast).toList();
        List<TaskEvent.StepFailed> failures = journal.stream().map(e -> e.entry().event())
            .filter(TaskEvent.StepFailed.class::isInstance).map(TaskEvent.StepFailed.class::cast).toList();
        assertEquals(starts.size(), failures.size() + 1, taskId + ": every attempt but the last failed, on record");
        for (int a = 0; a < failures.size(); a++) {
          assertEquals(a + 1, failures.get(a).attempt());
          assertTrue(failures.get(a).willRetry());
          if (a + 1 < starts.size()) {
            assertTrue(!failures.get(a).agentId().equals(starts.get(a + 1).agentId()),
                taskId + ": attempt " + (a + 2) + " was rerouted away from " + failures.get(a).agentId());
          }
        }
        // The task's timer and the agent's (both the step timeout) race: either names the timeout.
        timeouts += (int) failures.stream().filter(f -> f.reason().equals("step timed out after PT1S")
            || f.reason().endsWith("did not finish the step within PT1S")).count();
        injected += (int) failures.stream().filter(f -> f.reason().equals("injected failure")).count();
        assertTrue(node.runtime.audit().verify(TaskClient.persistenceId(taskId)).toCompletableFuture()
            .get(10, TimeUnit.SECONDS).ok());
      }
      assertEquals(FLAKY_FAILURES.get(), injected, "each injected failure is in a task's journal");
      assertTrue(injected > 0, "some first attempts failed");
      assertTrue(timeouts > 0 && SLOW_STARTS.get() > 0, "the slow agent was tried and timed out");
    }
  }
}
