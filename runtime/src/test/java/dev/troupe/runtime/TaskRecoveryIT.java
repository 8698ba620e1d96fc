package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.persistence.VerifyReport;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop the node while steps are in flight, start a new one on the same H2 files, and watch the
 * tasks finish without anyone asking: no event lost, none duplicated, every chain intact.
 */
class TaskRecoveryIT {
  private static final int TASKS = 5;
  private static final String FAST = "troupe.tasks.step-timeout = 20s";

  @TempDir
  Path dataDir;

  private static Agent summarizer(Function<StepContext, CompletionStage<StepOutcome>> logic) {
    // Room for every task at once: the default limit (4 concurrent steps) would refuse the fifth.
    return TestModels.agent("summarizer", "text.summarize",
        new AgentLimits(TASKS * 2, 600, new java.math.BigDecimal("100")), logic);
  }

  private static TaskRequest request(int i) {
    return TaskRequest.forCapability("default", "text.summarize", null, null,
        JsonNodeFactory.instance.objectNode().put("text", "document " + i), null, null, null, Map.of(), "hash-" + i);
  }

  @Test
  void tasksInFlightWhenTheNodeStopsCompleteAfterRestartExactlyOnce() throws Exception {
    CountDownLatch allInFlight = new CountDownLatch(TASKS);
    List<String> taskIds = new ArrayList<>();
    try (EmbeddedNode first = EmbeddedNode.start(dataDir, List.of(summarizer(step -> {
      allInFlight.countDown();
      return new CompletableFuture<>(); // never answers: the step is in flight when we stop
    })), FAST)) {
      for (int i = 0; i < TASKS; i++) {
        String taskId = "tsk_recovery_" + i;
        TaskEntity.SubmitReply reply = first.runtime.tasks()
            .submit(taskId, request(i), AuditActor.human("tester"), "trace-" + i)
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertInstanceOf(TaskEntity.Accepted.class, reply);
        taskIds.add(taskId);
      }
      assertTrue(allInFlight.await(10, TimeUnit.SECONDS), "every step reached the agent");
    }

    Set<String> redelivered = ConcurrentHashMap.newKeySet();
    try (EmbeddedNode second = EmbeddedNode.start(dataDir, List.of(summarizer(step -> {
      redelivered.add(step.stepId());
      return CompletableFuture.completedFuture(StepOutcome.completed(
          JsonNodeFactory.instance.objectNode().put("summary", "of " + step.input().get("text").asText()), 1.0));
    })), FAST)) {
      // Nobody sends these tasks a message: remembered entities restart them.
      for (String taskId : taskIds) {
        List<StoredEntry> entries = awaitFinished(second, taskId);
        assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepCompleted", "TaskCompleted"),
            entries.stream().map(e -> e.entry().eventType()).toList(), taskId);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), entries.stream().map(StoredEntry::sequenceNr).toList());
        TaskEvent.StepCompleted completed = (TaskEvent.StepCompleted) entries.get(3).entry().event();
        assertEquals(1, completed.attempt(), "redelivered as the same attempt, not a retry");
        assertEquals(VerifyReport.ok(5), second.runtime.audit().verify(TaskClient.persistenceId(taskId))
            .toCompletableFuture().get(10, TimeUnit.SECONDS));
      }
      assertEquals(TASKS, redelivered.size());
      VerifyReport agentChain = second.runtime.audit().verify("Agent|summarizer-1")
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertTrue(agentChain.ok(), agentChain.toString());
      assertTrue(redelivered.containsAll(taskIds.stream().map(id -> id + ".main").toList()),
          "same step ids: " + redelivered);
    }
  }

  private static List<StoredEntry> awaitFinished(EmbeddedNode node, String taskId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      List<StoredEntry> entries = node.runtime.audit().entries(TaskClient.persistenceId(taskId))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      JournalEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1).entry();
      if (last != null && last.event() instanceof TaskEvent.TaskCompleted) {
        return entries;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(taskId + " did not finish after restart: "
            + entries.stream().map(e -> e.entry().eventType()).toList());
      }
      Thread.sleep(50);
    }
  }
}
