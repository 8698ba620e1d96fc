package dev.troupe.persistence;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A persisted fact about an entity. Stored inside a {@link JournalEntry} with its audit stamp.
 * The JSON carries the event's name in {@code type} (never a class name); each module registers
 * its event names with a {@link DomainEventTypes} module listed in
 * {@code pekko.serialization.jackson.jackson-modules}. Names are persisted identifiers: never
 * rename an event; evolve it with a Jackson migration.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
public interface DomainEvent {}
