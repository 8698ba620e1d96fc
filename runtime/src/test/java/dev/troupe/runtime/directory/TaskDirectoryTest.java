package dev.troupe.runtime.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.approval.ApprovalStatus;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.Usage;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The read side's fold and paging, from journal entries alone. */
class TaskDirectoryTest {
  private final TaskDirectory directory = new TaskDirectory();
  private final Map<String, Long> seqs = new HashMap<>();
  private long offset;
  private long clock;

  private JournalEntry entry(String taskId, DomainEvent event) {
    long seq = seqs.merge(taskId, 1L, Long::sum);
    return new JournalEntry(new AuditStamp(seq, Instant.ofEpochSecond(1_000 + clock++), AuditActor.human("ada"), "tr",
        taskId, "p", "h"), event);
  }

  private void apply(String taskId, DomainEvent... events) {
    for (DomainEvent event : events) {
      directory.apply(taskId, entry(taskId, event), ++offset);
    }
  }

  private void submit(String taskId, String tenant) {
    apply(taskId, new TaskEvent.TaskSubmitted(taskId, tenant, "text.summarize", null, null, null, null,
        JsonNodeFactory.instance.objectNode(), null, null, null, Priority.NORMAL, Map.of(), "h"));
  }

  @Test
  void listsATenantsTasksNewestFirstInPagesAndFiltersByStatus() {
    for (int i = 1; i <= 5; i++) {
      submit("tsk_" + i, "acme");
    }
    submit("tsk_other", "globex");
    apply("tsk_2", new TaskEvent.TaskFailed("no", Usage.NONE));

    Page<TaskSummary> first = directory.tasks("acme", Optional.empty(), 2, Optional.empty());
    assertEquals(List.of("tsk_5", "tsk_4"), first.items().stream().map(TaskSummary::taskId).toList());
    Page<TaskSummary> second = directory.tasks("acme", Optional.empty(), 2, Optional.of(first.nextCursor()));
    assertEquals(List.of("tsk_3", "tsk_2"), second.items().stream().map(TaskSummary::taskId).toList());
    Page<TaskSummary> last = directory.tasks("acme", Optional.empty(), 2, Optional.of(second.nextCursor()));
    assertEquals(List.of("tsk_1"), last.items().stream().map(TaskSummary::taskId).toList());
    assertNull(last.nextCursor());

    assertEquals(List.of("tsk_2"), directory.tasks("acme", Optional.of(TaskStatus.FAILED), 10, Optional.empty())
        .items().stream().map(TaskSummary::taskId).toList());
    assertEquals(1, directory.tasks("globex", Optional.empty(), 10, Optional.empty()).items().size());
    assertTrue(directory.tasks("nobody", Optional.empty(), 10, Optional.empty()).items().isEmpty());
    assertTrue(TaskDirectory.isCursor(first.nextCursor()));
    assertFalse(TaskDirectory.isCursor("bogus!"));
  }

  @Test
  void approvalsFollowTheirDecisionAndARefoldedEventChangesNothing() {
    submit("tsk_1", "acme");
    apply("tsk_1", new TaskEvent.StepPlanned("tsk_1.main", "main", "text.summarize", null, null, null),
        new TaskEvent.StepStarted("tsk_1.main", "main", "text.summarize", "a-1", 1),
        new TaskEvent.ApprovalRequested("apr_1_000000000000", "tsk_1.main", "a-1", 1, "billing.trigger",
            JsonNodeFactory.instance.objectNode(), false, "why", Instant.ofEpochSecond(9_999), Usage.NONE, 1));
    assertEquals(1, directory.approvals("acme", Optional.of(ApprovalStatus.PENDING), 10, Optional.empty())
        .items().size());
    assertEquals(1, directory.tasks("acme", Optional.empty(), 10, Optional.empty()).items().get(0).pendingApprovals());

    JournalEntry granted = entry("tsk_1", new TaskEvent.ApprovalGranted("apr_1_000000000000", "tsk_1.main", "ok"));
    directory.apply("tsk_1", granted, ++offset);
    directory.apply("tsk_1", granted, offset); // a restarted stream delivers it again
    assertTrue(directory.approvals("acme", Optional.of(ApprovalStatus.PENDING), 10, Optional.empty()).items()
        .isEmpty());
    var approved = directory.approvals("acme", Optional.of(ApprovalStatus.APPROVED), 10, Optional.empty()).items();
    assertEquals(1, approved.size());
    assertEquals("ada", approved.get(0).approval().decidedBy());
    assertEquals("tsk_1", approved.get(0).taskId());
    assertEquals(TaskStatus.RUNNING, directory.tasks("acme", Optional.empty(), 10, Optional.empty()).items().get(0)
        .status());
  }

  @Test
  void admissionChecksAndCountsInOneStepSoConcurrentSubmissionsCannotOvershoot() throws Exception {
    java.util.function.BiFunction<Integer, Integer, java.util.Optional<String>> capOfFive =
        (total, ofTenant) -> ofTenant >= 5 ? java.util.Optional.of("full") : java.util.Optional.empty();
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      java.util.List<java.util.concurrent.Future<TaskDirectory.Admission>> tries = new java.util.ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String taskId = "tsk_" + i;
        tries.add(threads.submit(() -> directory.admit(taskId, "acme", capOfFive)));
      }
      long admitted = 0;
      for (var admission : tries) {
        admitted += admission.get().refusal().isEmpty() ? 1 : 0;
      }
      assertEquals(5, admitted);
    } finally {
      threads.shutdownNow();
    }
    assertEquals(5, directory.inFlight("acme"));
    // Its task folded: still counted once. A repeat of it reserves nothing more.
    submit("tsk_0", "acme");
    assertEquals(5, directory.inFlight("acme"));
    directory.release("tsk_1"); // not created after all
    assertEquals(4, directory.inFlight("acme"));
    var repeat = directory.admit("tsk_0", "acme", capOfFive);
    assertTrue(repeat.refusal().isEmpty() && !repeat.reserved());
    assertEquals(4, directory.inFlight("acme"));
  }
}
