package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An agent limited to one step per minute, for the per-agent limit tests. */
public final class RationedAgent implements Agent {
  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("rationed")
        .role("Works once a minute.")
        .capability("test.rationed", Duration.ofMillis(500), "0")
        .limits(new AgentLimits(1, 1, new BigDecimal("1")))
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    return CompletableFuture.completedFuture(StepOutcome.completed(
        JsonNodeFactory.instance.objectNode().put("ok", true), 1.0));
  }
}
