package dev.troupe.runtime.model;

import dev.troupe.persistence.DomainEventTypes;

/** Registers the model journal's event names with Jackson (listed in runtime's reference.conf). */
public final class ModelHealthEventTypes extends DomainEventTypes {
  private static final long serialVersionUID = 1L;

  public ModelHealthEventTypes() {
    super("troupe-model-health-events", ModelHealthEvent.class);
  }
}
