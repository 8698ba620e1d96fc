package dev.troupe.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Links keyed with HMAC-SHA-256 over RFC 8785: what a database writer without the key cannot forge. */
class KeyedChainTest {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .addModule(new SampleEvent.Types())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .build();
  private static final byte[] K1 = key(1);
  private static final byte[] K2 = key(2);
  private static final AuditContext BY_ALICE =
      new AuditContext(Instant.parse("2026-01-02T03:04:05Z"), AuditActor.human("alice"), "trace-1", "task-1");

  @TempDir
  Path dir;

  private static byte[] key(int fill) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) fill);
    return key;
  }

  /** When the key file was made for a journal from before keyed links: unkeyed links before it are accepted. */
  private static final Instant UPGRADED = Instant.parse("2026-06-01T00:00:00Z");

  private static AuditKeys keys(boolean acceptUnkeyed, Object... idsAndKeys) {
    Map<String, byte[]> map = new LinkedHashMap<>();
    for (int i = 0; i < idsAndKeys.length; i += 2) {
      map.put((String) idsAndKeys[i], (byte[]) idsAndKeys[i + 1]);
    }
    return AuditKeys.of(map, acceptUnkeyed ? UPGRADED : null);
  }

  private static List<StoredEntry> stored(List<JournalEntry> entries) {
    List<StoredEntry> out = new ArrayList<>();
    entries.forEach(entry -> out.add(new StoredEntry(entry.stamp().seq(), entry)));
    return out;
  }

  private static VerifyReport verify(List<StoredEntry> entries, AuditHasher hasher) {
    ChainCheck check = ChainCheck.start();
    for (StoredEntry entry : entries) {
      check = check.next(entry, hasher);
    }
    return check.report();
  }

  private static List<JournalEntry> threeEvents(AuditHasher hasher) {
    return new AuditChain(hasher).after(ChainHead.EMPTY)
        .add(BY_ALICE, new SampleEvent.Opened("ledger"))
        .add(BY_ALICE, new SampleEvent.Noted("first", 1))
        .add(BY_ALICE, new SampleEvent.Noted("second", 2))
        .entries();
  }

  @Test
  void aLinkIsHmacSha256OverTheRfc8785FormOfEventAndStamp() throws Exception {
    AuditHasher hasher = new AuditHasher(MAPPER, keys(false, "k1", K1));
    JournalEntry first = threeEvents(hasher).get(0);
    assertEquals("k1", first.stamp().keyId());

    // The documented formula, computed by hand from the stored JSON, as an outside verifier would.
    ObjectNode stored = MAPPER.valueToTree(first);
    ObjectNode stamp = (ObjectNode) stored.get("stamp").deepCopy();
    stamp.remove("hash");
    ObjectNode content = MAPPER.createObjectNode();
    content.set("event", stored.get("event"));
    content.set("stamp", stamp);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(K1, "HmacSHA256"));
    mac.update(ChainHead.GENESIS.getBytes(StandardCharsets.US_ASCII));
    mac.update(Jcs.bytes(content));
    assertEquals(HexFormat.of().formatHex(mac.doFinal()), first.stamp().hash());
    assertEquals(VerifyReport.ok(3), verify(stored(threeEvents(hasher)), hasher));
  }

  @Test
  void numbersBuiltInMemoryLinkAsTheyWillReadBackFromTheJournal() throws Exception {
    // A float and decimals with trailing zeros or past 2^53: what an agent's Java code may put in an
    // output. The stored text reads back as other number kinds; the link must not change.
    var value = MAPPER.createObjectNode().put("f", 0.1f).put("price", new java.math.BigDecimal("19.90"))
        .put("big", new java.math.BigDecimal("1.2345678901234567891E+25"))
        .put("id", new java.math.BigInteger("123456789012345678901"));
    AuditHasher hasher = new AuditHasher(MAPPER, keys(false, "k1", K1));
    JournalEntry written = new AuditChain(hasher).after(ChainHead.EMPTY).add(BY_ALICE, new SampleEvent.Payload(value))
        .entries().get(0);
    JournalEntry read = MAPPER.readValue(MAPPER.writeValueAsBytes(written), JournalEntry.class);
    assertEquals(written.stamp().hash(), hasher.hashOf(read.stamp(), read.event()));
    assertEquals(VerifyReport.ok(1), verify(List.of(new StoredEntry(1, read)), hasher));
  }

  @Test
  void aForgedEventWithRecomputedHashesIsDetected() {
    AuditHasher real = new AuditHasher(MAPPER, keys(false, "k1", K1));
    List<StoredEntry> entries = stored(threeEvents(real));
    // The writer changes event 2 and recomputes every link after it, without the key: with a
    // key of its own under the same id, or in the old unkeyed form.
    AuditHasher guessed = new AuditHasher(MAPPER, keys(false, "k1", key(9)));
    AuditHasher unkeyed = new AuditHasher(MAPPER);
    for (AuditHasher forger : List.of(guessed, unkeyed)) {
      List<JournalEntry> forged = new AuditChain(forger).after(new ChainHead(1, entries.get(0).entry().stamp().hash()))
          .add(BY_ALICE, new SampleEvent.Noted("forged", 1))
          .add(BY_ALICE, new SampleEvent.Noted("second", 2))
          .entries();
      List<StoredEntry> tampered = new ArrayList<>(entries.subList(0, 1));
      tampered.addAll(stored(forged));
      VerifyReport report = verify(tampered, real);
      assertFalse(report.ok(), "forged with " + forger.keys());
      assertEquals(2L, report.firstBadSeq());
      assertEquals(forger == unkeyed
          ? "event 2 is linked without a key after keyed links (rewritten in the old form?)"
          : "content of event 2 does not match its hash", report.reason());
    }
  }

  @Test
  void oldUnkeyedEventsStillVerifyWhereTheKeyFileAcceptsThem() throws Exception {
    // Events stored before keyed links have no keyId in their stamp's JSON at all.
    List<StoredEntry> old = new ArrayList<>();
    for (JournalEntry entry : threeEvents(new AuditHasher(MAPPER))) {
      ObjectNode json = MAPPER.valueToTree(entry);
      ((ObjectNode) json.get("stamp")).remove("keyId");
      JournalEntry back = MAPPER.treeToValue(json, JournalEntry.class);
      assertNull(back.stamp().keyId());
      old.add(new StoredEntry(back.stamp().seq(), back));
    }
    AuditHasher upgraded = new AuditHasher(MAPPER, keys(true, "k1", K1));
    assertEquals(VerifyReport.ok(3), verify(old, upgraded));
    // ... and new events continue the same chain with keyed links.
    JournalEntry fourth = new AuditChain(upgraded).after(new ChainHead(3, old.get(2).entry().stamp().hash()))
        .add(BY_ALICE, new SampleEvent.Noted("third", 3)).entries().get(0);
    old.add(new StoredEntry(4, fourth));
    assertEquals(VerifyReport.ok(4), verify(old, upgraded));
  }

  @Test
  void anUpgradedJournalAcceptsUnkeyedLinksOnlyFromBeforeTheUpgradeAndNeverAfterAKeyedOne() {
    AuditHasher upgraded = new AuditHasher(MAPPER, keys(true, "k1", K1));
    AuditHasher unkeyed = new AuditHasher(MAPPER);
    // A whole entity rewritten in the old form, stamped after the key file was made: refused.
    AuditContext late = new AuditContext(UPGRADED.plusSeconds(60), AuditActor.human("mallory"), null, "task-9");
    List<JournalEntry> rewritten = new AuditChain(unkeyed).after(ChainHead.EMPTY)
        .add(late, new SampleEvent.Opened("ledger")).entries();
    VerifyReport report = verify(stored(rewritten), upgraded);
    assertEquals(1L, report.firstBadSeq());
    assertEquals("event 1 is linked without a key, and this journal's key file does not accept unkeyed links"
        + " stamped then (rewritten in the old form?)", report.reason());
    // The same, stamped before the upgrade, cannot follow a keyed link either.
    List<JournalEntry> keyedFirst = threeEvents(upgraded);
    JournalEntry unkeyedFourth = new AuditChain(unkeyed).after(new ChainHead(3, keyedFirst.get(2).stamp().hash()))
        .add(BY_ALICE, new SampleEvent.Noted("third", 3)).entries().get(0);
    List<StoredEntry> mixed = stored(keyedFirst);
    mixed.add(new StoredEntry(4, unkeyedFourth));
    assertEquals("event 4 is linked without a key after keyed links (rewritten in the old form?)",
        verify(mixed, upgraded).reason());
  }

  @Test
  void aChainCannotGoBackToARetiredKey() {
    AuditHasher newer = new AuditHasher(MAPPER, keys(false, "k1", K1, "k2", K2));
    AuditHasher older = new AuditHasher(MAPPER, keys(false, "k1", K1));
    List<JournalEntry> first = threeEvents(newer);
    assertEquals("k2", first.get(2).stamp().keyId());
    JournalEntry back = new AuditChain(older).after(new ChainHead(3, first.get(2).stamp().hash()))
        .add(BY_ALICE, new SampleEvent.Noted("third", 3)).entries().get(0);
    List<StoredEntry> all = stored(first);
    all.add(new StoredEntry(4, back));
    assertEquals("event 4 is linked with key k1, retired before a key an earlier event used",
        verify(all, newer).reason());
  }

  @Test
  void rotatedKeysVerifyTheEventsTheyLinkedAndAMissingKeyIsNamed() {
    AuditHasher before = new AuditHasher(MAPPER, keys(false, "k1", K1));
    List<JournalEntry> first = threeEvents(before);
    AuditHasher after = new AuditHasher(MAPPER, keys(false, "k1", K1, "k2", K2));
    JournalEntry fourth = new AuditChain(after).after(new ChainHead(3, first.get(2).stamp().hash()))
        .add(BY_ALICE, new SampleEvent.Noted("third", 3)).entries().get(0);
    assertEquals("k2", fourth.stamp().keyId(), "the last key in the file is current");
    List<StoredEntry> all = stored(first);
    all.add(new StoredEntry(4, fourth));
    assertEquals(VerifyReport.ok(4), verify(all, after));

    VerifyReport withoutK1 = verify(all, new AuditHasher(MAPPER, keys(false, "k2", K2)));
    assertEquals(1L, withoutK1.firstBadSeq());
    assertEquals("event 1: the event is linked with key k1, which is not in the audit key file", withoutK1.reason());
  }

  @Test
  void aNewKeyFileIsPrivateAndSaysWhichUnkeyedLinksItAccepts() throws Exception {
    java.time.Clock clock = java.time.Clock.fixed(UPGRADED, java.time.ZoneOffset.UTC);
    Path file = dir.resolve("keys/audit-chain.keys");
    AuditKeys created = AuditKeys.loadOrCreate(file, AuditKeys.Missing.CREATE_FOR_NEW_JOURNAL, clock);
    assertEquals("k1", created.currentId().orElseThrow());
    assertFalse(created.acceptsUnkeyedAt(Instant.EPOCH), "a new journal has no unkeyed links to accept");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(created.toString(), AuditKeys.loadOrCreate(file, AuditKeys.Missing.REFUSE, clock).toString(),
        "read, not made again");
    assertFalse(created.toString().contains(Files.readAllLines(file).get(3).split(" ")[1]), "no key in toString");

    AuditKeys upgraded = AuditKeys.loadOrCreate(dir.resolve("old.keys"), AuditKeys.Missing.CREATE_FOR_OLD_JOURNAL,
        clock);
    assertTrue(upgraded.acceptsUnkeyedAt(UPGRADED.minusSeconds(1)), "an existing journal's unkeyed events verify");
    assertFalse(upgraded.acceptsUnkeyedAt(UPGRADED.plusSeconds(1)), "none stamped after the upgrade");

    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> AuditKeys.loadOrCreate(dir.resolve("gone.keys"), AuditKeys.Missing.REFUSE, clock));
    assertTrue(missing.getMessage().contains("restore it from backup"), missing.getMessage());
    assertFalse(Files.exists(dir.resolve("gone.keys")), "never made up when the journal needs the old keys");
  }

  @Test
  void aKeyFileThatCannotBeUsedIsRefusedNamingTheLine() throws Exception {
    String good = java.util.Base64.getEncoder().encodeToString(K1);
    Map<String, String> bad = Map.of(
        "k1 " + java.util.Base64.getEncoder().encodeToString(new byte[16]), "line 1: a key needs at least 32 bytes",
        "k1 not-base64!", "line 1: the key is not base64",
        "k1 " + good + "\nk1 " + good, "line 2: key id k1 appears twice",
        "k/1 " + good, "line 1: a key id is 1 to 32 letters",
        "# only a comment", "no key in the audit key file",
        "k1", "line 1: expected '<id> <base64 key>'",
        "# unkeyed-events: accept\nk1 " + good, "line 1: unkeyed-events is 'refuse' or 'accept-before <instant>'",
        "# unkeyed-events: accept-before yesterday\nk1 " + good, "line 1: accept-before needs an instant");
    for (var entry : bad.entrySet()) {
      Path file = dir.resolve("bad.keys");
      Files.writeString(file, entry.getKey());
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> AuditKeys.load(file));
      assertTrue(refused.getMessage().contains(entry.getValue()), refused.getMessage());
      assertFalse(refused.getMessage().contains(good), "the message never holds a key");
    }
  }
}
