package dev.troupe.persistence;

/** A journal entry as read back, with the position the journal holds it at. */
public record StoredEntry(long sequenceNr, JournalEntry entry) {}
