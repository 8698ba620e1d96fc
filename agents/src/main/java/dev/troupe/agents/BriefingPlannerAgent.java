package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code briefing.plan}: decomposes "brief me on these companies" into one research subtask per
 * company, to run in parallel. {@code {"companies": ["Acme Ltd", ...], "notes"?: {"Acme Ltd": "..."}}}
 * → a plan {@code {"subtasks": [...]}} that the runtime runs (see the supervisor pattern).
 */
public final class BriefingPlannerAgent implements Agent {
  public static final String CAPABILITY = "briefing.plan";
  static final int MAX_COMPANIES = 20;

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("planner")
        .role("Plans a company briefing as parallel research subtasks.")
        .capability(CAPABILITY, Duration.ofSeconds(2), "0")
        .modelTier("reasoning")
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    List<String> companies = Inputs.texts(step.input(), "companies");
    if (companies.size() > MAX_COMPANIES) {
      return CompletableFuture.completedFuture(
          StepOutcome.permanent("input.companies: at most " + MAX_COMPANIES + ", got " + companies.size()));
    }
    ObjectNode plan = JsonNodeFactory.instance.objectNode();
    ArrayNode subtasks = plan.putArray("subtasks");
    for (int i = 0; i < companies.size(); i++) {
      ObjectNode subtask = subtasks.addObject();
      subtask.put("id", "research-" + (i + 1));
      subtask.put("capability", ResearchAgent.CAPABILITY);
      ObjectNode input = subtask.putObject("input").put("company", companies.get(i));
      String notes = step.input().path("notes").path(companies.get(i)).asText("");
      if (!notes.isBlank()) {
        input.put("notes", notes);
      }
    }
    step.note("planned " + companies.size() + " independent research subtasks, to run in parallel");
    return CompletableFuture.completedFuture(StepOutcome.completed(plan, 1.0));
  }
}
