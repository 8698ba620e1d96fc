package dev.troupe.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.runtime.agent.AgentDefinition;
import dev.troupe.runtime.agent.AgentLogic;
import dev.troupe.runtime.agent.StepContext;
import dev.troupe.runtime.agent.StepOutcome;
import dev.troupe.runtime.model.ModelClient;
import dev.troupe.runtime.model.ModelRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code text.summarize}: {@code {"text": "..."}} in, {@code {"summary": "..."}} out. */
public final class SummarizerAgent implements AgentLogic {
  public static final String CAPABILITY = "text.summarize";
  static final int MAX_SUMMARY_WORDS = 60;
  static final int MAX_TEXT_CHARS = 200_000;
  private static final String INSTRUCTIONS =
      "Summarize the user's text in at most " + MAX_SUMMARY_WORDS + " words. Keep facts; add none.";

  public static AgentDefinition definition(String id, ModelClient model) {
    return new AgentDefinition(id, "Summarizes a text into a few faithful sentences.", List.of(CAPABILITY),
        model, new SummarizerAgent());
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    JsonNode text = step.input().get("text");
    if (text == null || !text.isTextual() || text.asText().isBlank()) {
      return CompletableFuture.completedFuture(StepOutcome.permanent("input.text must be a non-empty string"));
    }
    if (text.asText().length() > MAX_TEXT_CHARS) {
      return CompletableFuture.completedFuture(
          StepOutcome.permanent("input.text is longer than " + MAX_TEXT_CHARS + " characters"));
    }
    return step.model().complete(new ModelRequest(INSTRUCTIONS, text.asText(), MAX_SUMMARY_WORDS))
        .thenApply(reply -> {
          ObjectNode output = JsonNodeFactory.instance.objectNode();
          output.put("summary", reply.text());
          // Extractive summaries of short texts keep everything: full confidence.
          double confidence = reply.text().length() >= text.asText().strip().length() ? 1.0 : 0.9;
          return StepOutcome.completed(output, confidence);
        });
  }
}
