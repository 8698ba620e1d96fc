package dev.troupe.runtime.directory;

import dev.troupe.runtime.approval.Approval;

/** An approval with the task and tenant it belongs to. */
public record ApprovalEntry(String taskId, String tenant, Approval approval) {}
