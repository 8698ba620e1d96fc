package dev.troupe.runtime.audit;

import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.PlainFutures;
import dev.troupe.runtime.agent.AgentEntity;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.runtime.agent.StepRecord;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * A task's timeline as an auditor reads it: the task's journal, with what its agents did inside
 * each step (model calls, tool calls, decision notes) in place, just before the event that reports
 * the step's outcome. The task's journal holds a reference to that activity ({@link StepRecord});
 * the activity itself is read from the agent's journal, where it was written once. Entries of
 * journals written before the reference existed hold copies instead, and read as they are.
 */
public final class TaskTimeline {
  /**
   * One line. {@code persistenceId} and {@code seq} say which journal entry holds it; for an
   * agent's one-write step ({@code StepRan}), each of its calls is a line of its own with that
   * entry's stamp, and {@code recordedIn} names the entry ({@code null} when the line is the entry).
   */
  public record Item(String persistenceId, long seq, AuditStamp stamp, DomainEvent event, String recordedIn) {
    public JournalEntry entry() {
      return new JournalEntry(stamp, event);
    }

    public String eventType() {
      return event.getClass().getSimpleName();
    }
  }

  private final JournalAudit audit;

  public TaskTimeline(JournalAudit audit) {
    this.audit = audit;
  }

  /** The whole timeline of {@code taskId}, in order. */
  public CompletionStage<List<Item>> of(String taskId) {
    String persistenceId = TaskClient.persistenceId(taskId);
    return PlainFutures.of(audit.entries(persistenceId)).thenCompose(entries -> {
      CompletableFuture<List<Item>> all = CompletableFuture.completedFuture(new ArrayList<>());
      for (StoredEntry stored : entries) {
        all = all.thenCompose(items -> activityOf(taskId, stored.entry()).thenApply(activity -> {
          items.addAll(activity);
          items.add(new Item(persistenceId, stored.sequenceNr(), stored.entry().stamp(), stored.entry().event(), null));
          return items;
        }).toCompletableFuture());
      }
      return all;
    });
  }

  /**
   * What the agent did in the attempt {@code entry} reports, read from the agent's journal; empty
   * when the entry reports no agent's attempt (or copied the activity into the task, as older
   * journals did).
   */
  public CompletionStage<List<Item>> activityOf(String taskId, JournalEntry entry) {
    Reference ref = Reference.of(entry.event());
    if (ref == null) {
      return CompletableFuture.completedFuture(List.of());
    }
    String agentJournal = PersistenceId.of(AgentEntity.ENTITY_TYPE_KEY.name(), ref.agentId()).id();
    return PlainFutures.of(audit.entries(agentJournal, ref.record().fromSeq(), ref.record().toSeq()))
        .thenApply(stored -> {
          List<Item> items = new ArrayList<>();
          for (StoredEntry s : stored) {
            if (!taskId.equals(s.entry().stamp().taskId())) {
              continue; // another task's step, interleaved
            }
            DomainEvent event = s.entry().event();
            if (event instanceof AgentEvent.StepRan ran && ran.stepId().equals(ref.stepId())
                && ran.attempt() == ref.attempt()) {
              for (AgentEvent.StepActivity activity : ran.activity()) {
                items.add(new Item(agentJournal, s.sequenceNr(), s.entry().stamp(), activity, "StepRan"));
              }
            } else if (event instanceof AgentEvent.StepActivity activity && activity.stepId().equals(ref.stepId())) {
              items.add(new Item(agentJournal, s.sequenceNr(), s.entry().stamp(), activity, null));
            }
          }
          return items;
        });
  }

  /** Which agent's attempt a task event reports, and where its record is. */
  private record Reference(String agentId, String stepId, int attempt, StepRecord record) {
    static Reference of(DomainEvent event) {
      if (event instanceof TaskEvent.StepCompleted e && e.agentRecord() != null) {
        return new Reference(e.agentId(), e.stepId(), e.attempt(), e.agentRecord());
      }
      if (event instanceof TaskEvent.StepFailed e && e.agentRecord() != null && e.agentId() != null) {
        return new Reference(e.agentId(), e.stepId(), e.attempt(), e.agentRecord());
      }
      if (event instanceof TaskEvent.StepEscalated e && e.agentRecord() != null && e.agentId() != null) {
        return new Reference(e.agentId(), e.stepId(), e.attempt(), e.agentRecord());
      }
      if (event instanceof TaskEvent.ApprovalRequested e && e.agentRecord() != null) {
        return new Reference(e.agentId(), e.stepId(), e.attempt(), e.agentRecord());
      }
      return null;
    }
  }
}
