package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** Sends once through the slow, non-idempotent tool: a step that a hard stop would leave in doubt. */
public final class SlowSenderAgent implements Agent {
  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("slow-sender")
        .role("Sends one message, slowly.")
        .capability("test.slow-send", Duration.ofSeconds(5), "0")
        .tools("test.slow-send")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    return step.tools().call("test.slow-send", JsonNodeFactory.instance.objectNode().put("to", "ops"))
        .thenApply(sent -> StepOutcome.completed((ObjectNode) JsonNodeFactory.instance.objectNode().set("result", sent),
            1.0));
  }
}
