package dev.troupe.runtime.effect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EffectLedgerStateTest {
  private static final EffectLedgerState.Claim FIRST = new EffectLedgerState.Claim("s/tool-1", "billing.charge",
      "hash-of-input-aaaa", "billing-1", 1);
  private static final EffectLedgerState.Claim RETRY_ELSEWHERE = new EffectLedgerState.Claim("s/tool-1",
      "billing.charge", "hash-of-input-aaaa", "billing-2", 2);

  private static EffectLedgerState after(EffectLedgerState state, DomainEvent event) {
    return state.apply(new JournalEntry(new AuditStamp(1, Instant.EPOCH, AuditActor.agent("billing-1"), "trace", "t",
        ChainHead.GENESIS, "ab".repeat(32)), event));
  }

  private static EffectLedgerState claimed() {
    var go = (EffectLedgerState.Decision.Go) EffectLedgerState.EMPTY.decide(FIRST);
    return after(EffectLedgerState.EMPTY, go.claimed());
  }

  private static EffectEvent.EffectSettled settled(String outcome) {
    return new EffectEvent.EffectSettled("s/tool-1", "billing-1", 1, outcome,
        "ok".equals(outcome) ? JsonNodeFactory.instance.objectNode().put("invoice", "inv-1") : null, null);
  }

  @Test
  void aCallNobodyMadeIsClaimedUnderItsKey() {
    var decision = EffectLedgerState.EMPTY.decide(FIRST);
    var go = assertInstanceOf(EffectLedgerState.Decision.Go.class, decision);
    assertEquals("s/tool-1", go.key());
    assertEquals(new EffectEvent.EffectClaimed("s/tool-1", "billing.charge", "hash-of-input-aaaa", "billing-1", 1),
        go.claimed());
  }

  @Test
  void aCallThatSucceededOnAnyAgentIsAnsweredWithItsOutputNotMadeAgain() {
    EffectLedgerState state = after(claimed(), settled("ok"));
    var done = assertInstanceOf(EffectLedgerState.Decision.Done.class, state.decide(RETRY_ELSEWHERE));
    assertEquals("inv-1", done.call().output().get("invoice").asText());
    assertEquals("billing-1", done.call().agentId());
  }

  @Test
  void aCallClaimedAndNeverSettledOrTimedOutIsInDoubt() {
    assertInstanceOf(EffectLedgerState.Decision.InDoubt.class, claimed().decide(RETRY_ELSEWHERE));
    EffectLedgerState timedOut = after(claimed(), settled("timeout"));
    assertInstanceOf(EffectLedgerState.Decision.InDoubt.class, timedOut.decide(RETRY_ELSEWHERE));
  }

  @Test
  void aCallThatFailedMayBeMadeAgainAndOnlyTheNewClaimCanBeSettled() {
    EffectLedgerState failed = after(claimed(), settled("failed"));
    var go = assertInstanceOf(EffectLedgerState.Decision.Go.class, failed.decide(RETRY_ELSEWHERE));
    EffectLedgerState reclaimed = after(failed, go.claimed());
    assertFalse(reclaimed.settles(settled("ok")), "the first attempt's late answer does not settle the second's claim");
    assertTrue(reclaimed.settles(new EffectEvent.EffectSettled("s/tool-1", "billing-2", 2, "ok", null, null)));
  }

  @Test
  void aClaimWhoseAnswerWasLostIsGivenBackOnlyByItsOwnAttemptWhileOpen() {
    EffectLedgerState state = claimed();
    assertTrue(state.release(RETRY_ELSEWHERE).isEmpty(), "not another attempt's to give back");
    var released = state.release(FIRST).orElseThrow();
    assertEquals("failed", released.outcome());
    EffectLedgerState after = after(state, released);
    assertInstanceOf(EffectLedgerState.Decision.Go.class, after.decide(RETRY_ELSEWHERE));
    assertTrue(after(claimed(), settled("ok")).release(FIRST).isEmpty(), "a settled call stays settled");
  }

  @Test
  void anotherCallAtTheSamePositionIsACallOfItsOwn() {
    EffectLedgerState state = after(claimed(), settled("ok"));
    var other = new EffectLedgerState.Claim("s/tool-1", "billing.charge", "hash-of-other-bbbb", "billing-2", 2);
    var go = assertInstanceOf(EffectLedgerState.Decision.Go.class, state.decide(other));
    assertTrue(go.key().matches("s/tool-1-[0-9a-f]{12}"), go.key());
    EffectLedgerState both = after(state, go.claimed());
    assertInstanceOf(EffectLedgerState.Decision.InDoubt.class, both.decide(other), "and remembered under that key");
    assertInstanceOf(EffectLedgerState.Decision.Done.class, both.decide(RETRY_ELSEWHERE));
    assertEquals(List.of("s/tool-1", go.key()), both.calls().keySet().stream().sorted().toList());
    // Another tool with the same input at that position is yet another call.
    var hold = new EffectLedgerState.Claim("s/tool-1", "billing.hold", "hash-of-other-bbbb", "billing-1", 3);
    assertNotEquals(go.key(), both.keyOf(hold));
    assertInstanceOf(EffectLedgerState.Decision.Go.class, both.decide(hold));
  }
}
