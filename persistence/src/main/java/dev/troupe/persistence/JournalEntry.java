package dev.troupe.persistence;

/**
 * What an entity writes to its journal: one domain event with its audit stamp. Every entity
 * persists these, so replay, verification and export read one shape.
 */
public record JournalEntry(AuditStamp stamp, DomainEvent event) implements TroupeSerializable {
  public String eventType() {
    return event.getClass().getSimpleName();
  }
}
