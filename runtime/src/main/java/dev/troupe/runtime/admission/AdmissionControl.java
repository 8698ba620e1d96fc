package dev.troupe.runtime.admission;

import dev.troupe.config.HttpSettings;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether the node takes one more task, decided from what it carries now. Pure, so the rule is
 * tested apart from the HTTP layer and the journal. The load a client is told about comes first
 * (its own tenant's share), then the node's: in-flight tasks, then the journal's backlog.
 */
public final class AdmissionControl {
  private AdmissionControl() {}

  /** What the node carries at the moment of a submission. */
  public record Load(int tasksInFlight, int tenantTasksInFlight, int pendingSubmissions, Duration oldestPendingWait) {}

  /** Why a submission is refused, or empty when it is taken. */
  public static Optional<String> refusal(String tenant, Load load, HttpSettings.Admission limits) {
    if (load.tasksInFlight() >= limits.maxTasksInFlight()) {
      return Optional.of(load.tasksInFlight() + " tasks are in flight, the most the runtime takes is "
          + limits.maxTasksInFlight());
    }
    if (load.tenantTasksInFlight() >= limits.maxTasksInFlightPerTenant()) {
      return Optional.of("tenant " + tenant + " has " + load.tenantTasksInFlight()
          + " tasks in flight, the most it may have is " + limits.maxTasksInFlightPerTenant());
    }
    if (load.pendingSubmissions() >= limits.maxPendingSubmissions()) {
      return Optional.of("the journal is behind: " + load.pendingSubmissions()
          + " submissions wait for their write, the most it queues is " + limits.maxPendingSubmissions());
    }
    if (load.oldestPendingWait().compareTo(limits.maxJournalWait()) > 0) {
      return Optional.of("the journal is behind: a submission has waited " + load.oldestPendingWait().toMillis()
          + " ms for its write, longer than " + limits.maxJournalWait().toMillis() + " ms");
    }
    return Optional.empty();
  }
}
