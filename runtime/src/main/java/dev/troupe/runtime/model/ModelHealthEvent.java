package dev.troupe.runtime.model;

import dev.troupe.persistence.DomainEvent;

/**
 * What the node's health journal records: its models' and tools' circuit breakers. The names are
 * persisted identifiers: never rename, only add.
 */
public sealed interface ModelHealthEvent extends DomainEvent {
  /**
   * A model's circuit breaker changed state on this node: {@code CLOSED}, {@code OPEN} (calls fail
   * fast and the tier falls over) or {@code HALF_OPEN} (probes go through).
   */
  record BreakerStateChanged(String model, String from, String to) implements ModelHealthEvent {}

  /** A tool's circuit breaker changed state on this node (as {@link BreakerStateChanged}, for a tool). */
  record ToolBreakerStateChanged(String tool, String from, String to) implements ModelHealthEvent {}
}
