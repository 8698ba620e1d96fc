package dev.troupe.runtime.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkflowClientTest {
  @Test
  void theNamesAreReadFromTheJournalAtMostOnceWhileFresh() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger failNext = new AtomicInteger(1);
    WorkflowClient client = new WorkflowClient(null, Duration.ofSeconds(1), capability -> true, () -> {
      reads.incrementAndGet();
      return failNext.getAndSet(0) == 1
          ? CompletableFuture.failedFuture(new IllegalStateException("journal unavailable"))
          : CompletableFuture.completedFuture(List.of("a", "b"));
    });
    // A failed read is not kept: the next caller reads again.
    assertEquals(true, client.names().toCompletableFuture().isCompletedExceptionally());
    assertEquals(List.of("a", "b"), client.names().toCompletableFuture().get());
    for (int i = 0; i < 100; i++) {
      assertEquals(List.of("a", "b"), client.names().toCompletableFuture().get());
    }
    assertEquals(2, reads.get(), "one failed read, then one read for the hundred calls after it");
  }
}
