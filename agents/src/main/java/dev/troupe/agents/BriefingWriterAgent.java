package dev.troupe.agents;

import com.fasterxml.jackson.databind.JsonNode;
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
 * {@code briefing.compile}: the aggregator of a company briefing. {@code {"results": {"<subtask>":
 * {"company", "profile"}, ...}}} → {@code {"briefing": "...", "companies": n}}.
 */
public final class BriefingWriterAgent implements Agent {
  public static final String CAPABILITY = "briefing.compile";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("briefing-writer")
        .role("Combines research results into one briefing.")
        .capability(CAPABILITY, Duration.ofSeconds(3), "0.001")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    JsonNode results = step.input().get("results");
    if (results == null || !results.isObject() || results.isEmpty()) {
      return CompletableFuture.completedFuture(StepOutcome.permanent("input.results must be a non-empty object"));
    }
    StringBuilder text = new StringBuilder();
    results.properties().forEach(result -> text.append(result.getValue().path("company").asText(result.getKey()))
        .append(": ").append(result.getValue().path("profile").asText("no profile")).append(' '));
    return step.model().complete(new ModelRequest("Write a briefing.", text.toString().strip(), 200))
        .thenApply(reply -> {
          ObjectNode output = JsonNodeFactory.instance.objectNode();
          output.put("briefing", reply.text());
          output.put("companies", results.size());
          return StepOutcome.completed(output, 0.9);
        });
  }
}
