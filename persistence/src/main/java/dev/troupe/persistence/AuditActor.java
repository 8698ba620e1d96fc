package dev.troupe.persistence;

import java.util.Objects;

/** The {@code actor} of an audit stamp: kind and id (agent id, key name, or component). */
public record AuditActor(ActorKind kind, String id) {
  public AuditActor {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
  }

  public static AuditActor system(String component) {
    return new AuditActor(ActorKind.SYSTEM, component);
  }

  public static AuditActor agent(String agentId) {
    return new AuditActor(ActorKind.AGENT, agentId);
  }

  public static AuditActor human(String keyName) {
    return new AuditActor(ActorKind.HUMAN, keyName);
  }
}
