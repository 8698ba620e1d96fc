package dev.troupe.runtime.agent;

import dev.troupe.persistence.DomainEventTypes;

/** Registers the agent events' names with Jackson (listed in runtime's reference.conf). */
public final class AgentEventTypes extends DomainEventTypes {
  private static final long serialVersionUID = 1L;

  public AgentEventTypes() {
    super("troupe-agent-events", AgentEvent.class);
  }
}
