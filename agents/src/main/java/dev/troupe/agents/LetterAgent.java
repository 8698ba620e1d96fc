package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code letter.draft}: drafts an engagement letter. {@code {"client": "...", "summary": "...",
 * "scope"?: "..."}} → {@code {"letter": "..."}}. Refuses to draft for a client compliance did not
 * approve ({@code "approved": false} in the input): that is for a human to decide.
 */
public final class LetterAgent implements Agent {
  public static final String CAPABILITY = "letter.draft";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("letter-writer")
        .role("Drafts engagement letters for approved clients.")
        .capability(CAPABILITY, Duration.ofSeconds(4), "0.002")
        .modelTier("fast")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    String client = Inputs.text(step.input(), "client");
    String summary = Inputs.text(step.input(), "summary");
    // Guidance on an escalated letter is the partner's decision to engage; declining is cancelling the task.
    if (step.input().has("approved") && !step.input().get("approved").asBoolean(true) && step.guidance().isEmpty()) {
      return CompletableFuture.completedFuture(StepOutcome.escalate(
          "compliance did not approve " + client + "; a partner must decide whether to engage"));
    }
    String scope = Inputs.optionalText(step.input(), "scope").orElse("the services described in our proposal");
    String draft = "Dear " + client + ", thank you for choosing us. This letter confirms our engagement for " + scope
        + ". Our understanding of your situation: " + summary + " Fees are invoiced monthly and payable within 30 days."
        + " Please sign and return a copy to confirm.";
    step.guidance().forEach(g -> step.note("followed guidance: " + g));
    return step.model().complete(new ModelRequest("Draft a concise engagement letter.", draft, 150))
        .thenApply(reply -> StepOutcome.completed(
            JsonNodeFactory.instance.objectNode().put("client", client).put("letter", reply.text()), 0.85));
  }
}
