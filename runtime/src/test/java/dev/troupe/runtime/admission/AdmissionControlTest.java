package dev.troupe.runtime.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.troupe.config.HttpSettings;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdmissionControlTest {
  private static final HttpSettings.Admission LIMITS = new HttpSettings.Admission(100, 10, 8, Duration.ofSeconds(1));

  private static Optional<String> refusal(int all, int tenant, int pending, long oldestMillis) {
    return AdmissionControl.refusal("acme", new AdmissionControl.Load(all, tenant, pending,
        Duration.ofMillis(oldestMillis)), LIMITS);
  }

  @Test
  void aNodeWithRoomTakesTheTask() {
    assertEquals(Optional.empty(), refusal(99, 9, 7, 1_000));
  }

  @Test
  void tooManyTasksInFlightInAllOrForTheTenant() {
    assertEquals(Optional.of("100 tasks are in flight, the most the runtime takes is 100"), refusal(100, 0, 0, 0));
    assertEquals(Optional.of("tenant acme has 10 tasks in flight, the most it may have is 10"), refusal(50, 10, 0, 0));
  }

  @Test
  void aJournalThatCannotKeepUpRefusesByBacklogOrByWait() {
    assertEquals(Optional.of("the journal is behind: 8 submissions wait for their write, the most it queues is 8"),
        refusal(0, 0, 8, 0));
    assertEquals(Optional.of("the journal is behind: a submission has waited 1001 ms for its write, longer than 1000 ms"),
        refusal(0, 0, 1, 1_001));
  }
}
