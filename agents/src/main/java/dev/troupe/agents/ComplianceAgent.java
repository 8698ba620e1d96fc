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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * {@code compliance.check}: screens a new client's summary for red flags before the firm takes
 * it on. {@code {"client": "...", "summary": "..."}} → {@code {"approved": bool, "risk": "low|high",
 * "findings": [...], "rationale": "..."}}. The screening is a fixed list of terms, so the decision
 * is reproducible; the model writes the rationale.
 */
public final class ComplianceAgent implements Agent {
  public static final String CAPABILITY = "compliance.check";
  /** Sorted, so findings come out in one stable order. */
  static final java.util.SortedMap<String, String> RED_FLAGS = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(Map.of(
      "sanction", "mentions sanctions",
      "offshore", "mentions offshore structures",
      "cash payment", "mentions cash payments",
      "litigation", "mentions pending litigation",
      "politically exposed", "mentions a politically exposed person")));

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("compliance")
        .role("Screens a prospective client for compliance red flags.")
        .capability(CAPABILITY, Duration.ofSeconds(3), "0.001")
        .modelTier("reasoning")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    String client = Inputs.text(step.input(), "client");
    String summary = Inputs.text(step.input(), "summary");
    String lower = summary.toLowerCase(Locale.ROOT);
    List<String> findings = new ArrayList<>();
    RED_FLAGS.entrySet().stream()
        .filter(flag -> lower.contains(flag.getKey()))
        .forEach(flag -> findings.add(flag.getValue()));
    boolean approved = findings.isEmpty();
    step.note(approved
        ? "no red flags in the summary of " + client + "; approved"
        : "red flags for " + client + ": " + String.join(", ", findings) + "; not approved");
    String prompt = approved
        ? client + " shows no compliance red flags in the documents reviewed. Standard onboarding may proceed."
        : client + " needs enhanced due diligence. The documents " + String.join(" and ", findings) + ".";
    return step.model().complete(new ModelRequest("Write the compliance rationale.", prompt, 60))
        .thenApply(reply -> {
          ObjectNode output = JsonNodeFactory.instance.objectNode();
          output.put("client", client);
          output.put("approved", approved);
          output.put("risk", approved ? "low" : "high");
          ArrayNode list = output.putArray("findings");
          findings.forEach(list::add);
          output.put("rationale", reply.text());
          return StepOutcome.completed(output, approved ? 0.9 : 0.7);
        });
  }
}
