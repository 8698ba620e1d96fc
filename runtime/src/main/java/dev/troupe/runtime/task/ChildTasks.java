package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletionStage;

/**
 * Runs a workflow as a child task of a task's step (a supervised subtask), and completes with the
 * child's result. The child's id is derived from the parent step, so a redelivered step awaits the
 * same child instead of starting another.
 */
@FunctionalInterface
public interface ChildTasks {
  CompletionStage<TaskEntity.Result> run(String childTaskId, String workflow, JsonNode input, String tenant,
      String parentTaskId, String traceId);

  /**
   * Tells {@code parentTaskId} that its child {@code childTaskId} has been accepted. A parent that
   * has ended meanwhile (its cancel reached the child before the child existed) stops it.
   */
  default void started(String parentTaskId, String childTaskId) {}

  /** Cancels a child because its parent stopped (cancelled, or past its deadline). */
  default void cancel(String childTaskId, String reason, dev.troupe.persistence.AuditActor by) {}
}
