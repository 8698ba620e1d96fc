package dev.troupe.persistence;

/**
 * The verifier's fold over one entity's stored entries, in journal order. Pure: the audit
 * route, the offline audit command and tests share it. Once broken it stays broken at the
 * first bad link.
 */
public record ChainCheck(long verified, String prevHash, VerifyReport failure) {
  public static ChainCheck start() {
    return new ChainCheck(0, ChainHead.GENESIS, null);
  }

  public ChainCheck next(StoredEntry stored, AuditHasher hasher) {
    if (failure != null) {
      return this;
    }
    long expected = verified + 1;
    if (stored.sequenceNr() != expected) {
      return fail(expected, stored.sequenceNr() > expected
          ? "event " + expected + " is missing (the journal continues at " + stored.sequenceNr() + ")"
          : "event " + stored.sequenceNr() + " appears out of order");
    }
    AuditStamp stamp = stored.entry().stamp();
    if (stamp == null || stored.entry().event() == null) {
      return fail(expected, "event " + expected + " has no audit stamp or no payload");
    }
    if (stamp.seq() != expected) {
      return fail(expected, "stamp says seq " + stamp.seq() + " but the event is stored at " + expected);
    }
    if (!prevHash.equals(stamp.prevHash())) {
      return fail(expected, "prevHash does not match the hash of event " + verified);
    }
    String actual = hasher.hashOf(stamp, stored.entry().event());
    if (!actual.equals(stamp.hash())) {
      return fail(expected, "content of event " + expected + " does not match its hash");
    }
    return new ChainCheck(expected, stamp.hash(), null);
  }

  /** The entry at {@code seq} could not be read at all (e.g. its stored bytes are corrupt). */
  public ChainCheck unreadable(String cause) {
    if (failure != null) {
      return this;
    }
    return fail(verified + 1, "event " + (verified + 1) + " cannot be read: " + cause);
  }

  public VerifyReport report() {
    return failure != null ? failure : VerifyReport.ok(verified);
  }

  private ChainCheck fail(long seq, String reason) {
    return new ChainCheck(verified, prevHash, VerifyReport.broken(verified, seq, reason));
  }
}
