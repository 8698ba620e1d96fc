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

  /**
   * A trigger did not start {@code workflow} after task {@code sourceTaskId}: the new task would
   * have been {@code depth} triggers deep, past {@code troupe.tasks.max-trigger-depth}.
   */
  record TriggerRefused(String workflow, String sourceTaskId, int depth, String reason) implements WorkflowEvent {}

  /**
   * A trigger's task {@code taskId} could not start yet: its tenant was at its in-flight cap (or the
   * node's journal was behind), {@code reason}. The router starts it as soon as there is room;
   * meanwhile it reads on, so one tenant at its cap never holds up another's triggers.
   */
  record TriggerDeferred(String taskId, String workflow, String sourceTaskId, String reason,
      dev.troupe.runtime.task.TaskRequest request, String traceId) implements WorkflowEvent {}

  /** A deferred trigger's task {@code taskId} has started (or existed already). */
  record DeferredTriggerStarted(String taskId) implements WorkflowEvent {}
}
