package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Everything an agent's code gets for one step. Every use of it is recorded in the agent's journal. */
public interface StepContext {
  String taskId();

  /** Stable across retries and redeliveries: use it to deduplicate side effects. */
  String stepId();

  /** 1 for the first try. */
  int attempt();

  String capability();

  /** The step's JSON input (an object). */
  JsonNode input();

  /** The task's goal in words, or empty. */
  String goal();

  /** Guidance humans gave the task so far, oldest first. */
  List<String> guidance();

  /** The outputs of earlier steps this one depends on, by step name. */
  Map<String, JsonNode> dependencies();

  /** The model for the agent's tier; each call's tokens, cost and latency are journaled. */
  ModelClient model();

  /** Only the tools the agent was granted; inputs are checked against each tool's schema. */
  Tools tools();

  AgentMemory memory();

  /** Records why the agent chose what it did (journaled as {@code DecisionNoted}). */
  void note(String decision);

  /**
   * Asks the marketplace for a peer offering {@code capability} and runs {@code input} there as a
   * child task with its own journal. Completes with the child's output, or fails if it fails.
   * Delegations are numbered within a step, so a redelivered step finds its earlier child task
   * instead of starting another.
   */
  CompletionStage<JsonNode> delegate(String capability, JsonNode input);
}
