package dev.troupe.runtime;

import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.testkit.ScriptedModel;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Small agents and models the runtime's own tests share. */
public final class TestModels {
  /** A model that answers every prompt with "ok". */
  public static final ModelClient OK_MODEL = ScriptedModel.named("ok").otherwise("ok").build();

  private TestModels() {}

  /** An agent of {@code type} offering {@code capability}, whose step is {@code logic}. */
  public static Agent agent(String type, String capability, Function<StepContext, CompletionStage<StepOutcome>> logic) {
    return agent(type, capability, AgentLimits.DEFAULT, logic);
  }

  public static Agent agent(String type, String capability, AgentLimits limits,
      Function<StepContext, CompletionStage<StepOutcome>> logic) {
    AgentDefinition definition = AgentDefinition.builder(type)
        .role("A test agent.")
        .capability(capability, Duration.ofSeconds(5), "0")
        .limits(limits)
        .build();
    return Agent.of(definition, logic);
  }
}
