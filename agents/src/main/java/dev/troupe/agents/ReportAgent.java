package dev.troupe.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * {@code report.compile}: the closing report of an outreach campaign. {@code {"company": "...",
 * "profile"?: "...", "messages": [{"to", "subject"}, ...]}} → {@code {"report": "...", "summary"}}.
 * It does not summarize itself: it delegates {@code text.summarize} to a peer from the
 * marketplace, as a child task.
 */
public final class ReportAgent implements Agent {
  public static final String CAPABILITY = "report.compile";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("report-writer")
        .role("Compiles the closing report of an outreach campaign.")
        .capability(CAPABILITY, Duration.ofSeconds(10), "0.001")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    String company = Inputs.text(step.input(), "company");
    JsonNode messages = step.input().path("messages");
    StringBuilder report = new StringBuilder("Outreach to " + company + ". ");
    report.append(messages.size()).append(messages.size() == 1 ? " message was" : " messages were").append(" prepared");
    if (messages.size() > 0) {
      report.append(" for ");
      for (int i = 0; i < messages.size(); i++) {
        report.append(i == 0 ? "" : ", ").append(messages.get(i).path("to").asText("?"));
      }
    }
    report.append(". ").append(Inputs.optionalText(step.input(), "profile").orElse(""));
    step.note("delegating the summary to a text.summarize peer");
    return step.delegate("text.summarize", JsonNodeFactory.instance.objectNode().put("text", report.toString()))
        .thenApply(summary -> {
          ObjectNode output = JsonNodeFactory.instance.objectNode();
          output.put("company", company);
          output.put("report", report.toString().strip());
          output.put("summary", summary.path("summary").asText());
          return StepOutcome.completed(output, 0.9);
        });
  }
}
