package dev.troupe.runtime.task;

import static dev.troupe.runtime.workflow.Workflow.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.sdk.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Replay-and-compare: the journal folded again against what was recorded and what is served. */
class TaskReplayTest {
  private static final WorkflowDefinition ONE_STEP = Workflow.builder("one").step("a", "work.quick").done().build();
  private final List<StoredEntry> journal = new ArrayList<>();
  private TaskState live = TaskState.empty("t");

  private void record(DomainEvent... events) {
    for (DomainEvent event : events) {
      long seq = journal.size() + 1;
      JournalEntry entry = new JournalEntry(new AuditStamp(seq, Instant.ofEpochSecond(seq), AuditActor.system("test"),
          "trace", "t", "p", "h" + seq), event);
      journal.add(new StoredEntry(seq, entry));
      live = live.apply(entry);
    }
  }

  private void completedTask(String summary) {
    record(new TaskEvent.TaskSubmitted("t", "acme", null, "one", 1, null, null, json("{}"), null, null, null,
            Priority.NORMAL, Map.of(), "h"),
        new TaskEvent.WorkflowPinned("one", 1, ONE_STEP));
    record(WorkflowPlanner.next(live).toArray(DomainEvent[]::new));
    String stepId = live.steps().get(0).stepId();
    record(new TaskEvent.StepStarted(stepId, "a", "work.quick", "agent-1", 1),
        new TaskEvent.StepCompleted(stepId, "agent-1", 1, json("{\"summary\": \"" + summary + "\"}"), 1.0, Usage.NONE,
            5));
    record(WorkflowPlanner.next(live).toArray(DomainEvent[]::new));
  }

  @Test
  void anUntouchedJournalGivesWhatWasRecordedAndWhatIsServed() {
    completedTask("fine");
    assertEquals(TaskStatus.COMPLETED, live.status());
    TaskReplay.Report report = TaskReplay.check("t", journal, Optional.of(live));
    assertTrue(report.ok(), report.toString());
    assertEquals(journal.size(), report.events());
  }

  @Test
  void aRewrittenStepOutputIsNamedAgainstTheRecordedResultAndTheServedTask() {
    completedTask("real");
    TaskState served = live;
    int stepAt = -1;
    for (int i = 0; i < journal.size(); i++) {
      if (journal.get(i).entry().event() instanceof TaskEvent.StepCompleted done) {
        journal.set(i, new StoredEntry(i + 1, new JournalEntry(journal.get(i).entry().stamp(),
            new TaskEvent.StepCompleted(done.stepId(), done.agentId(), done.attempt(), json("{\"summary\": \"forged\"}"),
                done.confidence(), done.usage(), done.durationMs()))));
        stepAt = i + 1;
      }
    }
    TaskReplay.Report report = TaskReplay.check("t", journal, Optional.of(served));
    String stepId = served.steps().get(0).stepId();
    assertEquals(List.of(
        new TaskReplay.Difference(journal.size(), "TaskCompleted", "recorded output {\"summary\":\"real\"},"
            + " but the events before it give {\"summary\":\"forged\"}"),
        new TaskReplay.Difference(stepAt, "StepCompleted", "step " + stepId + " output: the journal gives"
            + " {\"summary\":\"forged\"}, the task serves {\"summary\":\"real\"}")), report.differences());
  }

  @Test
  void aCompletionTheStepsDoNotSupportIsNamed() {
    completedTask("fine");
    // Drop the step's completion: the recorded TaskCompleted no longer follows.
    journal.removeIf(stored -> stored.entry().event() instanceof TaskEvent.StepCompleted);
    TaskReplay.Report report = TaskReplay.check("t", journal, Optional.empty());
    assertEquals(1, report.differences().size(), report.toString());
    assertEquals("recorded the task as completed, but the events before it do not complete it",
        report.differences().get(0).what());
  }
}
