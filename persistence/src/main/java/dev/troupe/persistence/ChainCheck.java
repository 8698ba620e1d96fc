package dev.troupe.persistence;

/**
 * The verifier's fold over one entity's stored entries, in journal order. Pure: the audit
 * route, the offline audit command and tests share it. Once broken it stays broken at the
 * first bad link.
 */
public record ChainCheck(long verified, String prevHash, VerifyReport failure, int keyIndex) {
  public static ChainCheck start() {
    return new ChainCheck(0, ChainHead.GENESIS, null, -1);
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
    AuditKeys keys = hasher.keys();
    int index = stamp.keyId() == null ? -1 : keys.indexOf(stamp.keyId());
    if (stamp.keyId() == null) {
      // The rule before keyed links: only for what was written before them, never after a keyed link.
      if (keyIndex >= 0) {
        return fail(expected, "event " + expected + " is linked without a key after keyed links (rewritten in the"
            + " old form?)");
      }
      if (!keys.acceptsUnkeyedAt(stamp.at())) {
        return fail(expected, "event " + expected + " is linked without a key, and this journal's key file does not"
            + " accept unkeyed links stamped then (rewritten in the old form?)");
      }
    } else if (index >= 0 && index < keyIndex) {
      return fail(expected, "event " + expected + " is linked with key " + stamp.keyId() + ", retired before a key"
          + " an earlier event used");
    }
    String actual;
    try {
      actual = hasher.hashOf(stamp, stored.entry().event());
    } catch (AuditKeys.UnknownKeyException e) {
      return fail(expected, "event " + expected + ": " + e.getMessage());
    }
    if (!actual.equals(stamp.hash())) {
      return fail(expected, "content of event " + expected + " does not match its hash");
    }
    return new ChainCheck(expected, stamp.hash(), null, Math.max(keyIndex, index));
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
    return new ChainCheck(verified, prevHash, VerifyReport.broken(verified, seq, reason), keyIndex);
  }
}
