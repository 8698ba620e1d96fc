package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code outreach.draft}: one outreach message to one contact. {@code {"company": "...",
 * "contact": "a@acme.test", "profile"?: "..."}} → {@code {"to", "subject", "body"}}.
 */
public final class OutreachWriterAgent implements Agent {
  public static final String CAPABILITY = "outreach.draft";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("outreach-writer")
        .role("Drafts a short, specific outreach message to one contact.")
        .capability(CAPABILITY, Duration.ofSeconds(3), "0.001")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    String company = Inputs.text(step.input(), "company");
    String contact = Inputs.text(step.input(), "contact");
    if (!contact.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      return CompletableFuture.completedFuture(StepOutcome.permanent("input.contact must be an e-mail address"));
    }
    String profile = Inputs.optionalText(step.input(), "profile").orElse("");
    String draft = "Hello, I am writing to the team at " + company + ". " + profile
        + " We help firms like yours onboard clients faster and with a full audit trail. Would a short call next week suit you?";
    return step.model().complete(new ModelRequest("Write a short outreach e-mail.", draft, 90))
        .thenApply(reply -> {
          ObjectNode output = JsonNodeFactory.instance.objectNode();
          output.put("to", contact);
          output.put("subject", "A faster, auditable onboarding for " + company);
          output.put("body", reply.text());
          return StepOutcome.completed(output, 0.8);
        });
  }
}
