package dev.troupe.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletionStage;

/** Runs a delegated capability as a child task and completes with its output. */
public interface Delegator {
  CompletionStage<JsonNode> delegate(Delegation delegation);

  /** A child task to run: its id is derived from the parent step, so a redelivery finds it again. */
  record Delegation(
      String agentId, String parentTaskId, String parentStepId, String childTaskId, String tenant, String traceId,
      String capability, JsonNode input) {}

  /** For contexts with no marketplace (tests that do not delegate). */
  Delegator NONE = delegation -> java.util.concurrent.CompletableFuture.failedFuture(
      new UnsupportedOperationException("delegation is not available here"));
}
