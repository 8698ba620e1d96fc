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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code text.summarize}: {@code {"text": "..."}} → {@code {"summary": "..."}}.
 * {@code documents.summarize}: {@code {"documents": ["...", ...]}} → {@code {"summaries": [...], "summary": "..."}}.
 */
public final class SummarizerAgent implements Agent {
  public static final String TEXT = "text.summarize";
  public static final String DOCUMENTS = "documents.summarize";
  static final int MAX_SUMMARY_WORDS = 60;
  static final int MAX_TEXT_CHARS = 200_000;
  private static final String INSTRUCTIONS =
      "Summarize the user's text in at most " + MAX_SUMMARY_WORDS + " words. Keep facts; add none.";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("summarizer")
        .role("Summarizes texts into a few faithful sentences.")
        .capability(TEXT, Duration.ofSeconds(2), "0.0005")
        .capability(DOCUMENTS, Duration.ofSeconds(5), "0.002")
        .modelTier("fast")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    if (step.capability().equals(DOCUMENTS)) {
      return summarizeDocuments(step, Inputs.texts(step.input(), "documents"));
    }
    String text = Inputs.text(step.input(), "text");
    if (text.length() > MAX_TEXT_CHARS) {
      throw new Inputs.Invalid("input.text is longer than " + MAX_TEXT_CHARS + " characters");
    }
    return summarize(step, text).thenApply(summary -> {
      ObjectNode output = JsonNodeFactory.instance.objectNode().put("summary", summary);
      return StepOutcome.completed(output, confidence(text, summary));
    });
  }

  private CompletionStage<StepOutcome> summarizeDocuments(StepContext step, List<String> documents) {
    List<CompletableFuture<String>> parts = new ArrayList<>();
    for (String document : documents) {
      parts.add(summarize(step, document).toCompletableFuture());
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> {
      ArrayNode summaries = JsonNodeFactory.instance.arrayNode();
      StringBuilder all = new StringBuilder();
      for (CompletableFuture<String> part : parts) {
        String summary = part.join();
        summaries.add(summary);
        all.append(all.length() == 0 ? "" : " ").append(summary);
      }
      ObjectNode output = JsonNodeFactory.instance.objectNode();
      output.set("summaries", summaries);
      output.put("summary", all.toString());
      step.note("summarized " + documents.size() + " documents one by one, then joined the summaries");
      return StepOutcome.completed(output, 0.9);
    });
  }

  private static CompletionStage<String> summarize(StepContext step, String text) {
    return step.model().complete(new ModelRequest(INSTRUCTIONS, text, MAX_SUMMARY_WORDS))
        .thenApply(reply -> reply.text());
  }

  /** An extractive summary of a short text keeps all of it: full confidence. */
  private static double confidence(String text, String summary) {
    return summary.length() >= text.strip().length() ? 1.0 : 0.9;
  }
}
