package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.directory.TaskSummary;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.StepOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted on a journal of many finished tasks lists every one of them with its status
 * and counts none in flight. (How fast that is at 100,000 tasks is a benchmark question, and the
 * file's size across restarts depends on how much H2 compacts in its 200 ms at close: 1.9 MB
 * stayed 1.9 MB in one run and became 7.6 MB in another, so it is measured, not asserted.)
 */
class LargeJournalRestartIT {
  private static final int TASKS = 400;

  @TempDir
  Path dataDir;

  private static Agent worker() {
    return TestModels.agent("worker", "work.do", step -> CompletableFuture.completedFuture(StepOutcome.completed(
        JsonNodeFactory.instance.objectNode().put("done", step.input().path("n").asInt()), 1.0)));
  }

  @Test
  void everyFinishedTaskIsListedAfterARestart() throws Exception {
    Set<String> submitted = new HashSet<>();
    try (EmbeddedNode node = EmbeddedNode.start(dataDir, List.of(worker()), "")) {
      List<CompletableFuture<TaskEntity.Result>> results = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        String taskId = "tsk_large" + i;
        submitted.add(taskId);
        TaskRequest request = TaskRequest.forCapability("default", "work.do", null, null,
            JsonNodeFactory.instance.objectNode().put("n", i), null, null, null, Map.of(), "h" + i);
        results.add(node.runtime.tasks().submit(taskId, request, AuditActor.human("tester"), "trace")
            .thenCompose(accepted -> node.runtime.tasks().awaitResult(taskId, Duration.ofSeconds(60)))
            .toCompletableFuture());
      }
      for (CompletableFuture<TaskEntity.Result> result : results) {
        assertEquals(TaskStatus.COMPLETED, result.get(120, TimeUnit.SECONDS).status());
      }
    }

    try (EmbeddedNode node = EmbeddedNode.start(dataDir, List.of(worker()), "")) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      Set<String> listed = Set.of();
      while (System.nanoTime() < deadline) {
        listed = listed(node);
        if (listed.size() == TASKS) {
          break;
        }
        Thread.sleep(100);
      }
      assertEquals(submitted, listed, "every task, once, after the restart");
      assertEquals(0, node.runtime.directory().inFlight(), "none of them counts as in flight");
      var reply = node.runtime.tasks().get("tsk_large7").toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(7, ((TaskEntity.Found) reply).task().output().get("done").asInt());
    }
  }

  private static Set<String> listed(EmbeddedNode node) {
    Set<String> ids = new HashSet<>();
    Optional<String> cursor = Optional.empty();
    do {
      var page = node.runtime.directory().tasks("default", Optional.of(TaskStatus.COMPLETED), 200, cursor);
      page.items().stream().map(TaskSummary::taskId).forEach(ids::add);
      cursor = Optional.ofNullable(page.nextCursor());
    } while (cursor.isPresent());
    return ids;
  }
}
