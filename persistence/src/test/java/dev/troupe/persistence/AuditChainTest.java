package dev.troupe.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditChainTest {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .addModule(new SampleEvent.Types())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .build();
  private static final AuditHasher HASHER = new AuditHasher(MAPPER);
  private static final AuditChain CHAIN = new AuditChain(HASHER);
  private static final AuditContext BY_ALICE =
      new AuditContext(Instant.parse("2026-01-02T03:04:05Z"), AuditActor.human("alice"), "trace-1", "task-1");

  private static List<StoredEntry> stored(List<JournalEntry> entries) {
    List<StoredEntry> out = new ArrayList<>();
    for (JournalEntry entry : entries) {
      out.add(new StoredEntry(entry.stamp().seq(), entry));
    }
    return out;
  }

  private static List<JournalEntry> threeEvents() {
    return CHAIN.after(ChainHead.EMPTY)
        .add(BY_ALICE, new SampleEvent.Opened("ledger"))
        .add(BY_ALICE, new SampleEvent.Noted("first", 1))
        .add(BY_ALICE, new SampleEvent.Noted("second", 2))
        .entries();
  }

  private static VerifyReport verify(List<StoredEntry> entries) {
    ChainCheck check = ChainCheck.start();
    for (StoredEntry entry : entries) {
      check = check.next(entry, HASHER);
    }
    return check.report();
  }

  @Test
  void stampsChainEachEventToThePreviousOne() {
    List<JournalEntry> entries = threeEvents();
    assertEquals(ChainHead.GENESIS, entries.get(0).stamp().prevHash());
    assertEquals(entries.get(0).stamp().hash(), entries.get(1).stamp().prevHash());
    assertEquals(entries.get(1).stamp().hash(), entries.get(2).stamp().prevHash());
    assertEquals(List.of(1L, 2L, 3L), entries.stream().map(e -> e.stamp().seq()).toList());
    assertTrue(entries.stream().allMatch(e -> e.stamp().hash().matches("[0-9a-f]{64}")));
  }

  @Test
  void aBatchContinuesFromTheGivenHead() {
    List<JournalEntry> first = threeEvents();
    ChainHead head = new ChainHead(3, first.get(2).stamp().hash());
    JournalEntry fourth = CHAIN.after(head).add(BY_ALICE, new SampleEvent.Noted("third", 3)).entries().get(0);
    assertEquals(4, fourth.stamp().seq());
    assertEquals(first.get(2).stamp().hash(), fourth.stamp().prevHash());
  }

  @Test
  void hashIsIndependentOfFieldOrderButNotOfContent() {
    JournalEntry entry = threeEvents().get(1);
    assertEquals(entry.stamp().hash(), HASHER.hashOf(entry.stamp(), entry.event()));
    assertNotEquals(entry.stamp().hash(), HASHER.hashOf(entry.stamp(), new SampleEvent.Noted("first", 2)));
    AuditStamp otherActor = new AuditStamp(entry.stamp().seq(), entry.stamp().at(), AuditActor.human("mallory"),
        entry.stamp().traceId(), entry.stamp().taskId(), entry.stamp().prevHash(), entry.stamp().hash());
    assertNotEquals(entry.stamp().hash(), HASHER.hashOf(otherActor, entry.event()));
  }

  @Test
  void anUntouchedChainVerifies() {
    assertEquals(VerifyReport.ok(3), verify(stored(threeEvents())));
  }

  @Test
  void anEmptyJournalVerifiesWithNoEvents() {
    assertEquals(VerifyReport.ok(0), verify(List.of()));
  }

  @Test
  void changedContentIsReportedAtItsSequenceNumber() {
    List<StoredEntry> entries = stored(threeEvents());
    JournalEntry original = entries.get(1).entry();
    entries.set(1, new StoredEntry(2, new JournalEntry(original.stamp(), new SampleEvent.Noted("forged", 1))));
    VerifyReport report = verify(entries);
    assertFalse(report.ok());
    assertEquals(2L, report.firstBadSeq());
    assertEquals(1, report.events());
    assertEquals("content of event 2 does not match its hash", report.reason());
  }

  @Test
  void aRemovedEventIsReported() {
    List<StoredEntry> entries = stored(threeEvents());
    entries.remove(1);
    VerifyReport report = verify(entries);
    assertEquals(2L, report.firstBadSeq());
    assertEquals("event 2 is missing (the journal continues at 3)", report.reason());
  }

  @Test
  void aRewrittenChainWithRecomputedHashStillBreaksAtTheNextLink() {
    // An attacker who changes event 2 and recomputes its hash breaks event 3's prevHash.
    List<StoredEntry> entries = stored(threeEvents());
    AuditStamp stamp = entries.get(1).entry().stamp();
    SampleEvent forged = new SampleEvent.Noted("forged", 1);
    AuditStamp rehashed = new AuditStamp(stamp.seq(), stamp.at(), stamp.actor(), stamp.traceId(), stamp.taskId(),
        stamp.prevHash(), HASHER.hashOf(stamp, forged));
    entries.set(1, new StoredEntry(2, new JournalEntry(rehashed, forged)));
    VerifyReport report = verify(entries);
    assertEquals(3L, report.firstBadSeq());
    assertEquals("prevHash does not match the hash of event 2", report.reason());
  }

  @Test
  void aStampThatLiesAboutItsPositionIsReported() {
    List<StoredEntry> entries = stored(threeEvents());
    entries.set(2, new StoredEntry(3, entries.get(1).entry()));
    VerifyReport report = verify(entries);
    assertEquals(3L, report.firstBadSeq());
    assertEquals("stamp says seq 2 but the event is stored at 3", report.reason());
  }

  @Test
  void anUnreadableEventEndsTheWalkAfterTheLastGoodLink() {
    List<StoredEntry> entries = stored(threeEvents());
    ChainCheck check = ChainCheck.start().next(entries.get(0), HASHER).unreadable("JsonParseException: bad");
    VerifyReport report = check.report();
    assertEquals(2L, report.firstBadSeq());
    assertEquals("event 2 cannot be read: JsonParseException: bad", report.reason());
    // Once broken, later entries do not hide the first failure.
    assertEquals(report, check.next(entries.get(1), HASHER).report());
  }

  @Test
  void theEnvelopeRoundTripsThroughJsonWithItsEventName() throws Exception {
    JournalEntry entry = threeEvents().get(1);
    String json = MAPPER.writeValueAsString(entry);
    assertTrue(json.contains("\"type\":\"Noted\""), json);
    assertFalse(json.contains("dev.troupe"), "no class names in stored JSON: " + json);
    JournalEntry back = MAPPER.readValue(json, JournalEntry.class);
    assertEquals(entry, back);
    assertEquals(entry.stamp().hash(), HASHER.hashOf(back.stamp(), back.event()));
  }

  @Test
  void onlySealedHierarchiesCanBeRegistered() {
    assertThrows(IllegalArgumentException.class, () -> new DomainEventTypes("x", DomainEvent.class) {
      private static final long serialVersionUID = 1L;
    });
  }
}
