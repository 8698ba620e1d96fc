package dev.troupe.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The agent's pure fold: limits, dedupe records, memory, degradation. */
class AgentStateTest {
  private static final Duration HALF_LIFE = Duration.ofHours(1);
  private static final Instant NOON = Instant.parse("2026-03-01T12:00:00Z");
  private long seq;

  private AgentState apply(AgentState state, Instant at, AgentEvent event) {
    seq++;
    return state.apply(new JournalEntry(new AuditStamp(seq, at, AuditActor.agent("a-1"), "trace-" + seq, "t",
        "p", "h" + seq), event), HALF_LIFE);
  }

  private AgentState accepted(AgentState state, Instant at, String stepId) {
    return apply(state, at, new AgentEvent.StepAccepted("t", stepId, 1, "x.y",
        JsonNodeFactory.instance.objectNode().put("q", stepId)));
  }

  private AgentState finished(AgentState state, Instant at, String stepId, StepOutcome outcome, String cost) {
    return apply(state, at, new AgentEvent.StepFinished("t", stepId, 1, "x.y", outcome,
        new Usage(1, 1, new BigDecimal(cost), 1, 0), 10, true));
  }

  @Test
  void concurrencyRateAndDailySpendLimitsRefuseWithTheReason() {
    AgentLimits limits = new AgentLimits(2, 3, new BigDecimal("1.00"));
    AgentState state = AgentState.empty("a-1");
    assertEquals(Optional.empty(), state.refusal(NOON, limits, 1));
    assertEquals(Optional.of("agent a-1 is running 2 steps, its limit is 2"), state.refusal(NOON, limits, 2));

    for (int i = 0; i < 3; i++) {
      state = accepted(state, NOON.plusSeconds(i), "s" + i);
    }
    assertEquals(Optional.of("agent a-1 accepted 3 steps in the last minute, its limit is 3"),
        state.refusal(NOON.plusSeconds(10), limits, 0));
    assertEquals(Optional.empty(), state.refusal(NOON.plusSeconds(61), limits, 0), "the window slides");

    state = finished(state, NOON.plusSeconds(5), "s0", StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1), "0.60");
    state = finished(state, NOON.plusSeconds(6), "s1", StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1), "0.40");
    assertEquals(Optional.of("agent a-1 spent $1.00 today, its daily limit is $1.00"),
        state.refusal(NOON.plusSeconds(120), limits, 0));
    assertEquals(Optional.empty(), state.refusal(NOON.plus(Duration.ofDays(1)), limits, 0), "a new UTC day");
  }

  @Test
  void finishedStepsKeepTheirActivityForRedeliveryAndFeedTheShortTermMemory() {
    AgentState state = accepted(AgentState.empty("a-1"), NOON, "s1");
    assertEquals("trace-1", state.inFlight().get("s1").traceId());
    state = apply(state, NOON, new AgentEvent.DecisionNoted("s1", "because"));
    state = finished(state, NOON, "s1",
        StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("a", 1), 0.9), "0");
    AgentState.FinishedStep done = state.finishedStep("s1").orElseThrow();
    assertEquals(List.of(new AgentEvent.DecisionNoted("s1", "because")), done.activity());
    assertTrue(state.inFlight().isEmpty());
    assertEquals(1, state.completed());
    assertEquals("s1", state.recent().get(0).input().get("q").asText());
    assertEquals(1, state.recent().get(0).output().get("a").asInt());
  }

  @Test
  void onlyTheLastFinishedStepsAreKept() {
    AgentState state = AgentState.empty("a-1");
    for (int i = 0; i < AgentState.FINISHED_KEPT + 5; i++) {
      state = accepted(state, NOON, "s" + i);
      state = finished(state, NOON, "s" + i, StepOutcome.permanent("bad input"), "0");
    }
    assertEquals(AgentState.FINISHED_KEPT, state.finished().size());
    assertTrue(state.finishedStep("s0").isEmpty());
    assertTrue(state.finishedStep("s" + (AgentState.FINISHED_KEPT + 4)).isPresent());
  }

  @Test
  void consecutiveFailuresCountOnlyWhatSaysSomethingAboutTheAgent() {
    AgentState state = AgentState.empty("a-1");
    state = finished(accepted(state, NOON, "s1"), NOON, "s1", StepOutcome.retryable("timeout"), "0");
    state = finished(accepted(state, NOON, "s2"), NOON, "s2", StepOutcome.permanent("bad input"), "0");
    state = finished(accepted(state, NOON, "s3"), NOON, "s3", StepOutcome.retryable("timeout"), "0");
    assertEquals(2, state.consecutiveFailures());
    state = apply(state, NOON, new AgentEvent.AgentDegraded("2 failures"));
    assertEquals(AgentStatus.DEGRADED, state.status());
    state = apply(state, NOON, new AgentEvent.AgentRestored("cool-down over"));
    assertEquals(AgentStatus.AVAILABLE, state.status());
    assertEquals(0, state.consecutiveFailures());
  }

  @Test
  void notesAreKept() {
    AgentState state = apply(AgentState.empty("a-1"), NOON, new AgentEvent.NoteRemembered("s1", "crm:Acme", "crm_1"));
    assertEquals("crm_1", state.notes().get("crm:Acme"));
  }
}
