package dev.troupe.runtime.workflow;

import dev.troupe.persistence.DomainEventTypes;

/** Registers the workflow events' names with Jackson (listed in runtime's reference.conf). */
public final class WorkflowEventTypes extends DomainEventTypes {
  private static final long serialVersionUID = 1L;

  public WorkflowEventTypes() {
    super("troupe-workflow-events", WorkflowEvent.class);
  }
}
