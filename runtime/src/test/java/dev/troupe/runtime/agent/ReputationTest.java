package dev.troupe.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReputationTest {
  private static final Duration HALF_LIFE = Duration.ofHours(1);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final StepOutcome OK = StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.0);
  private static final StepOutcome FLAKY = StepOutcome.retryable("timeout");

  @Test
  void aNewAgentStartsAtThePrior() {
    assertEquals(0.8, Reputation.fresh(T0).score(T0, HALF_LIFE), 1e-9);
  }

  @Test
  void outcomesMoveTheScore() {
    Reputation good = Reputation.fresh(T0);
    Reputation bad = Reputation.fresh(T0);
    for (int i = 0; i < 10; i++) {
      good = good.record(OK, true, T0, HALF_LIFE);
      bad = bad.record(FLAKY, false, T0, HALF_LIFE);
    }
    assertEquals((10 + 1.6) / 12, good.score(T0, HALF_LIFE), 1e-9);
    assertEquals(1.6 / 12, bad.score(T0, HALF_LIFE), 1e-9);
    Reputation late = Reputation.fresh(T0).record(OK, false, T0, HALF_LIFE);
    assertEquals((0.5 + 1.6) / 3, late.score(T0, HALF_LIFE), 1e-9, "completed past the SLA counts half");
  }

  @Test
  void badInputEscalationsAndProposalsSayNothingAboutTheAgent() {
    Reputation r = Reputation.fresh(T0)
        .record(StepOutcome.permanent("input.text must be a non-empty string"), true, T0, HALF_LIFE)
        .record(StepOutcome.escalate("stuck"), true, T0, HALF_LIFE);
    assertEquals(0.8, r.score(T0, HALF_LIFE), 1e-9);
  }

  @Test
  void oldHistoryFadesSoAnAgentCanRecover() {
    Reputation r = Reputation.fresh(T0);
    for (int i = 0; i < 10; i++) {
      r = r.record(FLAKY, false, T0, HALF_LIFE);
    }
    double now = r.score(T0, HALF_LIFE);
    double dayLater = r.score(T0.plus(Duration.ofDays(1)), HALF_LIFE);
    assertTrue(now < 0.2, "after ten failures: " + now);
    assertTrue(dayLater > 0.79, "24 half-lives later the failures are forgotten: " + dayLater);
  }
}
