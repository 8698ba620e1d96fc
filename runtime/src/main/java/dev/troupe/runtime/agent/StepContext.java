package dev.troupe.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.model.ModelClient;

/**
 * What an agent's code gets for one step.
 *
 * @param taskId the task the step belongs to
 * @param stepId stable across retries and redeliveries: use it to deduplicate side effects
 * @param attempt 1 for the first try
 * @param capability what the step asks of the agent
 * @param input the step's JSON input
 * @param model the model client for the agent's tier; calls are metered by the runtime
 */
public record StepContext(
    String taskId, String stepId, int attempt, String capability, JsonNode input, ModelClient model) {}
