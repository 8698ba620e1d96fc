package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.agents.tools.EmailSendTool;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code outreach.send}: sends one drafted message. A sent e-mail cannot be recalled, so the agent
 * proposes the {@code email.send} call for a human to approve. {@code {"to", "subject", "body"}}.
 */
public final class OutreachSenderAgent implements Agent {
  public static final String CAPABILITY = "outreach.send";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("outreach-sender")
        .role("Sends approved outreach messages.")
        .capability(CAPABILITY, Duration.ofSeconds(2), "0")
        .tools(EmailSendTool.NAME)
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    ObjectNode message = JsonNodeFactory.instance.objectNode();
    // A wrong input throws Inputs.Invalid: the step fails for good.
    message.put("to", Inputs.text(step.input(), "to"));
    message.put("subject", Inputs.text(step.input(), "subject"));
    message.put("body", Inputs.text(step.input(), "body"));
    return CompletableFuture.completedFuture(StepOutcome.propose(EmailSendTool.NAME, message,
        "Send the outreach message \"" + message.get("subject").asText() + "\" to " + message.get("to").asText() + "."));
  }
}
