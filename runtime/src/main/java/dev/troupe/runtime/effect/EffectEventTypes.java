package dev.troupe.runtime.effect;

import dev.troupe.persistence.DomainEventTypes;

/** Registers the effect ledger's events' names with Jackson (listed in runtime's reference.conf). */
public final class EffectEventTypes extends DomainEventTypes {
  private static final long serialVersionUID = 1L;

  public EffectEventTypes() {
    super("troupe-effect-events", EffectEvent.class);
  }
}
