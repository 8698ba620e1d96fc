package dev.troupe.runtime.workflow;

import dev.troupe.persistence.DomainEvent;

/** What a workflow's journal records. Names are persisted identifiers: never rename, only add. */
public sealed interface WorkflowEvent extends DomainEvent {
  /** A definition was registered as {@code version}, which new tasks now use. */
  record WorkflowVersionRegistered(int version, WorkflowDefinition definition) implements WorkflowEvent {}

  /** New tasks use {@code toVersion} again; running tasks keep the version they pinned. */
  record WorkflowRolledBack(int fromVersion, int toVersion) implements WorkflowEvent {}

  /** The trigger router has handled the task events up to {@code offset} (the journal's global order). */
  record TriggerOffsetAdvanced(long offset) implements WorkflowEvent {}
}
