package dev.troupe.persistence;

import java.time.Instant;

/** What the writer of a batch of events knows about them: when, who, and which trace/task. */
public record AuditContext(Instant at, AuditActor actor, String traceId, String taskId) {}
