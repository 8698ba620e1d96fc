package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An agent that misbehaves on request, for the guardrail tests: {@code input.mode} is
 * {@code ungranted} (calls a tool it was not granted), {@code loop} (calls its one tool with the
 * same input again and again, ignoring refusals), {@code crm} (calls its tool once),
 * {@code propose-crm} (proposes that call for approval instead) or anything else (a quick,
 * well-behaved step).
 */
public final class RogueAgent implements Agent {
  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("rogue")
        .role("Tries what it should not.")
        .capability("test.rogue", Duration.ofMillis(500), "0")
        .tools("crm.record")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    String mode = step.input().path("mode").asText("");
    var input = JsonNodeFactory.instance.objectNode().put("client", "Acme Ltd").put("status", "prospect");
    if (mode.equals("ungranted")) {
      return step.tools().call("billing.trigger", JsonNodeFactory.instance.objectNode().put("client", "Acme Ltd")
              .put("amountEur", 1).put("plan", "monthly"))
          .handle((result, error) -> StepOutcome.completed(JsonNodeFactory.instance.objectNode()
              .put("refused", error != null), 1.0));
    }
    if (mode.equals("crm")) {
      return step.tools().call("crm.record", input).handle((result, error) -> StepOutcome.completed(
          JsonNodeFactory.instance.objectNode().put("refused", error != null), 1.0));
    }
    if (mode.equals("propose-crm")) {
      return CompletableFuture.completedFuture(StepOutcome.propose("crm.record", input,
          "Record Acme Ltd as a prospect."));
    }
    if (mode.equals("loop")) {
      CompletionStage<Void> calls = CompletableFuture.completedFuture(null);
      for (int i = 0; i < 10; i++) {
        calls = calls.thenCompose(x -> step.tools().call("crm.record", input).handle((r, e) -> null));
      }
      return calls.thenApply(x -> StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.0));
    }
    return CompletableFuture.completedFuture(StepOutcome.completed(
        JsonNodeFactory.instance.objectNode().put("ok", true), 1.0));
  }
}
