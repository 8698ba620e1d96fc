package dev.troupe.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.agents.tools.BillingTriggerTool;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code billing.start}: starts billing a new client. Billing cannot be undone, so the agent only
 * proposes the {@code billing.trigger} call; a human approves it before it runs.
 * {@code {"client": "...", "amountEur"?: 4000, "plan"?: "monthly"}}. Without an amount it proposes
 * the firm's standard retainer of EUR {@value #STANDARD_RETAINER_EUR} a month, and says so; the
 * approver sees the amount before anything is billed.
 */
public final class BillingAgent implements Agent {
  public static final String CAPABILITY = "billing.start";
  public static final int STANDARD_RETAINER_EUR = 1500;

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("billing-clerk")
        .role("Prepares the first invoice run for a new client, for a human to approve.")
        .capability(CAPABILITY, Duration.ofSeconds(2), "0")
        .tools(BillingTriggerTool.NAME)
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    String client = Inputs.text(step.input(), "client");
    JsonNode amount = step.input().get("amountEur");
    if (amount == null || amount.isNull()) {
      amount = JsonNodeFactory.instance.numberNode(STANDARD_RETAINER_EUR);
      step.note("no amount given: proposing the standard retainer of EUR " + STANDARD_RETAINER_EUR);
    }
    if (!amount.isNumber() || amount.decimalValue().signum() <= 0) {
      return CompletableFuture.completedFuture(StepOutcome.permanent("input.amountEur must be a positive number"));
    }
    ObjectNode call = JsonNodeFactory.instance.objectNode();
    call.put("client", client);
    call.put("amountEur", amount.decimalValue());
    call.put("plan", Inputs.optionalText(step.input(), "plan").orElse("monthly"));
    step.note("billing is irreversible: proposing it for approval instead of running it");
    return CompletableFuture.completedFuture(StepOutcome.propose(BillingTriggerTool.NAME, call,
        "Start " + call.get("plan").asText() + " billing of EUR " + amount.decimalValue().toPlainString()
            + " for " + client + ", whose onboarding is complete."));
  }
}
