package dev.troupe.persistence;

import java.time.Instant;

/**
 * Who, when and under which trace an event was written, chained to the entity's previous
 * event: {@code hash = SHA-256(prevHash || canonicalJson(stamp without hash, event))}.
 * {@code seq} is the entity's journal sequence number, so a removed event leaves a gap.
 */
public record AuditStamp(
    long seq, Instant at, AuditActor actor, String traceId, String taskId, String prevHash, String hash) {

  AuditStamp withoutHash() {
    return new AuditStamp(seq, at, actor, traceId, taskId, prevHash, null);
  }
}
