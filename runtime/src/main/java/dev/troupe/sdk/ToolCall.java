package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One call of a tool. {@code idempotencyKey} is the same for every redelivery of the same call
 * (derived from the step id and the call's position in the step), so an idempotent tool can
 * recognise a repeat.
 */
public record ToolCall(String taskId, String stepId, String agentId, String idempotencyKey, JsonNode input) {}
