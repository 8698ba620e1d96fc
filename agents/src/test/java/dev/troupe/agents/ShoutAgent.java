package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A complete agent in one class, registered by configuration in the tests. */
public final class ShoutAgent implements Agent {
  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("shouter")
        .role("Repeats a text in capitals.")
        .capability("text.shout", Duration.ofMillis(500), "0")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    String text = step.input().path("text").asText("");
    return CompletableFuture.completedFuture(StepOutcome.completed(
        JsonNodeFactory.instance.objectNode().put("shout", text.toUpperCase(Locale.ROOT)), 1.0));
  }
}
