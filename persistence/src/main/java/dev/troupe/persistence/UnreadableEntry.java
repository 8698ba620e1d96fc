package dev.troupe.persistence;

/**
 * What a stored journal row that cannot be deserialized reads as, instead of an exception that
 * would fail every stream reading past it (the read side, the trigger router, an audit walk) and
 * every recovery of its entity. Never written: it exists only on the read path. An entity that
 * replays one fails its recovery and is quarantined; streams skip it and report it.
 *
 * @param manifest the row's manifest (the stored type and version)
 * @param bytes the row's payload length
 * @param reason why it cannot be read
 */
public record UnreadableEntry(String manifest, int bytes, String reason) {}
