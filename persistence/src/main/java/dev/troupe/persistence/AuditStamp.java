package dev.troupe.persistence;

import java.time.Instant;

/**
 * Who, when and under which trace an event was written, chained to the entity's previous event.
 * {@code seq} is the entity's journal sequence number, so a removed event leaves a gap.
 *
 * <p>Two rules, told apart by {@code keyId} ({@link AuditHasher}): with a key id (every event
 * written since keyed links), {@code hash = HMAC-SHA-256(key, prevHash || JCS({event, stamp
 * without hash}))}; without one (events from before), {@code hash = SHA-256(prevHash ||
 * canonicalJson(stamp without hash, event))}.
 */
public record AuditStamp(
    long seq, Instant at, AuditActor actor, String traceId, String taskId, String prevHash, String hash,
    String keyId) {

  /** A stamp linked without a key, as every stamp was before keyed links. */
  public AuditStamp(long seq, Instant at, AuditActor actor, String traceId, String taskId, String prevHash,
      String hash) {
    this(seq, at, actor, traceId, taskId, prevHash, hash, null);
  }

  AuditStamp withoutHash() {
    return new AuditStamp(seq, at, actor, traceId, taskId, prevHash, null, keyId);
  }

  AuditStamp withHash(String newHash) {
    return new AuditStamp(seq, at, actor, traceId, taskId, prevHash, newHash, keyId);
  }
}
