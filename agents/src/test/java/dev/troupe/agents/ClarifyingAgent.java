package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Asks a human who the text is for, and once guided, says so: the escalate-and-resume loop in tests. */
public final class ClarifyingAgent implements Agent {
  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("clarifier")
        .role("Rewrites a text for an audience a human names.")
        .capability("text.clarify", Duration.ofMillis(500), "0")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    if (step.guidance().isEmpty()) {
      return CompletableFuture.completedFuture(StepOutcome.escalate("who is this text for?"));
    }
    String audience = step.guidance().get(step.guidance().size() - 1);
    return CompletableFuture.completedFuture(StepOutcome.completed(JsonNodeFactory.instance.objectNode()
        .put("text", step.input().path("text").asText("")).put("audience", audience), 1.0));
  }
}
