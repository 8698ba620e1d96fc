package dev.troupe.http.auth;

import dev.troupe.persistence.DomainEventTypes;

/** Registers the key ring's events with Jackson (listed in http's reference.conf). */
public final class KeyEventTypes extends DomainEventTypes {
  private static final long serialVersionUID = 1L;

  public KeyEventTypes() {
    super("troupe-key-events", KeyEvent.class);
  }
}
