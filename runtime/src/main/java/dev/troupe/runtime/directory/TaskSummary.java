package dev.troupe.runtime.directory;

import dev.troupe.runtime.approval.ApprovalStatus;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.Usage;
import java.time.Instant;
import java.util.Map;

/** A task as lists show it: what it is, where it stands, what it cost. */
public record TaskSummary(
    String taskId, String tenant, TaskStatus status, String capability, String workflow, Integer workflowVersion,
    Instant createdAt, Instant updatedAt, Map<String, String> labels, Usage usage, String error,
    int pendingApprovals) {

  static TaskSummary of(TaskState state) {
    int pending = (int) state.approvals().stream().filter(a -> a.status() == ApprovalStatus.PENDING).count();
    return new TaskSummary(state.taskId(), state.tenant(), state.status(), state.capability(), state.workflow(),
        state.workflowVersion(), state.createdAt(), state.updatedAt(), state.labels(), state.usage(), state.error(),
        pending);
  }
}
