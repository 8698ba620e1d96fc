package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** An action a task waits on a human to approve or reject. */
public record PendingApproval(
    String approvalId, String stepId, String agentId, String tool, JsonNode input, boolean reversible, String reason,
    Instant requestedAt, Instant expiresAt) {}
