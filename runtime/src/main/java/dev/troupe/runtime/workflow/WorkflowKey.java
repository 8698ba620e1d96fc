package dev.troupe.runtime.workflow;

import java.util.Objects;

/**
 * Which workflow an entity holds. A shared workflow ({@code tenant} null) is built into the node
 * and runs for every tenant; only the operator changes it. Any other belongs to one tenant, and
 * no other tenant can see, run, change or trigger it.
 *
 * <p>A shared workflow's entity id is its name, as it was before workflows had owners, so the
 * journals of nodes that ran before keep their workflows (as shared ones). A tenant's is
 * {@code <tenant>~<name>}: neither a tenant nor a workflow name can hold {@code ~}.
 */
public record WorkflowKey(String tenant, String name) {
  static final char SEPARATOR = '~';

  public WorkflowKey {
    Objects.requireNonNull(name, "name");
  }

  public static WorkflowKey shared(String name) {
    return new WorkflowKey(null, name);
  }

  public static WorkflowKey ofTenant(String tenant, String name) {
    return new WorkflowKey(Objects.requireNonNull(tenant, "tenant"), name);
  }

  public boolean isShared() {
    return tenant == null;
  }

  /** Whether a task of {@code someTenant} may run or be triggered by this workflow. */
  public boolean visibleTo(String someTenant) {
    return tenant == null || tenant.equals(someTenant);
  }

  public String entityId() {
    return tenant == null ? name : tenant + SEPARATOR + name;
  }

  public static WorkflowKey fromEntityId(String entityId) {
    int at = entityId.indexOf(SEPARATOR);
    return at < 0 ? shared(entityId) : ofTenant(entityId.substring(0, at), entityId.substring(at + 1));
  }
}
