package dev.troupe.runtime.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkflowClientTest {
  /** Shared ones first, then each tenant's, by name. */
  private static final List<WorkflowKey> KEYS = List.of(WorkflowKey.shared("a"), WorkflowKey.shared("b"),
      WorkflowKey.ofTenant("acme", "a"));

  @Test
  void aTenantSeesTheSharedWorkflowsAndItsOwnItsOwnFirst() {
    List<WorkflowKey> all = List.of(WorkflowKey.shared("onboarding"), WorkflowKey.shared("billing"),
        WorkflowKey.ofTenant("acme", "onboarding"), WorkflowKey.ofTenant("acme", "audit"),
        WorkflowKey.ofTenant("globex", "secret"));
    assertEquals(List.of(WorkflowKey.ofTenant("acme", "audit"), WorkflowKey.shared("billing"),
        WorkflowKey.ofTenant("acme", "onboarding")), WorkflowClient.visibleTo(all, "acme", key -> key));
    assertEquals(List.of(WorkflowKey.shared("billing"), WorkflowKey.shared("onboarding"),
        WorkflowKey.ofTenant("globex", "secret")), WorkflowClient.visibleTo(all, "globex", key -> key));
    assertEquals(List.of(WorkflowKey.shared("billing"), WorkflowKey.shared("onboarding")),
        WorkflowClient.visibleTo(all, null, key -> key), "no tenant sees only the shared ones");
  }

  @Test
  void aSharedWorkflowKeepsTheEntityIdItHadBeforeWorkflowsHadOwners() {
    assertEquals("client-onboarding", WorkflowKey.shared("client-onboarding").entityId());
    assertEquals(WorkflowKey.shared("client-onboarding"), WorkflowKey.fromEntityId("client-onboarding"));
    assertEquals("acme.eu~client-onboarding", WorkflowKey.ofTenant("acme.eu", "client-onboarding").entityId());
    assertEquals(WorkflowKey.ofTenant("acme.eu", "client-onboarding"),
        WorkflowKey.fromEntityId("acme.eu~client-onboarding"));
  }

  @Test
  void theNamesAreReadFromTheJournalAtMostOnceWhileFresh() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger failNext = new AtomicInteger(1);
    WorkflowClient client = new WorkflowClient(null, Duration.ofSeconds(1), capability -> true, () -> {
      reads.incrementAndGet();
      return failNext.getAndSet(0) == 1
          ? CompletableFuture.failedFuture(new IllegalStateException("journal unavailable"))
          : CompletableFuture.completedFuture(List.of("b", "acme~a", "a"));
    });
    // A failed read is not kept: the next caller reads again.
    assertEquals(true, client.keys().toCompletableFuture().isCompletedExceptionally());
    assertEquals(KEYS, client.keys().toCompletableFuture().get());
    for (int i = 0; i < 100; i++) {
      assertEquals(KEYS, client.keys().toCompletableFuture().get());
    }
    assertEquals(2, reads.get(), "one failed read, then one read for the hundred calls after it");
  }
}
