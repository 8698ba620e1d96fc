package dev.troupe.http.auth;

import dev.troupe.persistence.DomainEvent;
import java.util.List;

/**
 * What a tenant's key ring journals. A key itself is never journaled, only its SHA-256 hash.
 * The names are persisted identifiers: never rename, only add.
 */
public sealed interface KeyEvent extends DomainEvent {

  /** An admin created a key; the stamp says who. */
  record KeyCreated(String name, String tenant, String sha256, List<String> roles) implements KeyEvent {
    public KeyCreated {
      roles = List.copyOf(roles);
    }
  }

  /** An admin revoked a key; from then on it is refused. */
  record KeyRevoked(String name, String tenant, String sha256) implements KeyEvent {}
}
