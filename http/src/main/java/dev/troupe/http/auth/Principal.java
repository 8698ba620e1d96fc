package dev.troupe.http.auth;

import dev.troupe.config.Role;
import dev.troupe.persistence.AuditActor;
import java.util.Set;

/** Who a valid API key says the caller is. */
public record Principal(String keyName, String tenant, Set<Role> roles) {
  /** The tenant whose admins run the node: they manage other tenants' keys and the shared workflows. */
  public static final String OPERATOR_TENANT = "default";

  public Principal {
    roles = Set.copyOf(roles);
  }

  /** Admin may do everything in its tenant. */
  public boolean mayAny(Set<Role> allowed) {
    return roles.contains(Role.ADMIN) || roles.stream().anyMatch(allowed::contains);
  }

  /** An admin of the operator's tenant. */
  public boolean isOperator() {
    return OPERATOR_TENANT.equals(tenant) && roles.contains(Role.ADMIN);
  }

  public AuditActor asAuditActor() {
    return AuditActor.human(keyName);
  }
}
