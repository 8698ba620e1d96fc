package dev.troupe.runtime.task;

import dev.troupe.persistence.DomainEventTypes;

/** Registers the task events' names with Jackson (listed in runtime's reference.conf). */
public final class TaskEventTypes extends DomainEventTypes {
  private static final long serialVersionUID = 1L;

  public TaskEventTypes() {
    super("troupe-task-events", TaskEvent.class);
  }
}
