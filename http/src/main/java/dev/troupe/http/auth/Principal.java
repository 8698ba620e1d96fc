package dev.troupe.http.auth;

import dev.troupe.config.Role;
import dev.troupe.persistence.AuditActor;
import java.util.Set;

/** Who a valid API key says the caller is. */
public record Principal(String keyName, String tenant, Set<Role> roles) {
  public Principal {
    roles = Set.copyOf(roles);
  }

  /** Admin may do everything in its tenant. */
  public boolean mayAny(Set<Role> allowed) {
    return roles.contains(Role.ADMIN) || roles.stream().anyMatch(allowed::contains);
  }

  public AuditActor asAuditActor() {
    return AuditActor.human(keyName);
  }
}
