package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * {@code company.research}: a short profile of a company from the notes given (offline: it does
 * not browse). {@code {"company": "...", "notes"?: "..."}} → {@code {"company", "profile",
 * "talkingPoints": [...]}}.
 */
public final class ResearchAgent implements Agent {
  public static final String CAPABILITY = "company.research";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("researcher")
        .role("Builds a short company profile and talking points for outreach.")
        .capability(CAPABILITY, Duration.ofSeconds(5), "0.003")
        .modelTier("reasoning")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    String company = Inputs.text(step.input(), "company");
    java.util.Optional<String> given = Inputs.optionalText(step.input(), "notes");
    String notes = given
        .orElse(company + " is a company we have not worked with before. No public notes were provided.");
    if (given.isEmpty()) {
      step.note("no notes for " + company + "; the profile says so instead of guessing");
    }
    return step.model().complete(new ModelRequest("Profile the company in three sentences.", notes, 80))
        .thenApply(reply -> {
          ObjectNode output = JsonNodeFactory.instance.objectNode();
          output.put("company", company);
          output.put("profile", reply.text());
          ArrayNode points = output.putArray("talkingPoints");
          for (String sentence : reply.text().split("(?<=[.!?])\\s+")) {
            if (!sentence.isBlank()) {
              points.add(sentence.strip());
            }
          }
          return StepOutcome.completed(output, 0.8);
        });
  }
}
