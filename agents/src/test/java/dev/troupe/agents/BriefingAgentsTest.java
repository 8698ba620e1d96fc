package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.runtime.workflow.SubtaskPlan;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.testkit.AgentTestKit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The supervisor example: a planner whose plan the runtime runs, and the writer that aggregates. */
class BriefingAgentsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void thePlannerPlansOneParallelResearchSubtaskPerCompany() throws Exception {
    var run = AgentTestKit.of(new BriefingPlannerAgent())
        .run(json("{\"companies\": [\"Acme Ltd\", \"Initech\"], \"notes\": {\"Initech\": \"Makes TPS reports.\"}}"));
    SubtaskPlan plan = SubtaskPlan.parse(run.output());
    assertEquals(List.of("research-1", "research-2"), plan.subtasks().stream().map(SubtaskPlan.Subtask::id).toList());
    assertEquals("company.research", plan.subtasks().get(0).capability());
    assertEquals(json("{\"company\": \"Initech\", \"notes\": \"Makes TPS reports.\"}"), plan.subtasks().get(1).input());
    assertEquals(List.of(), plan.subtasks().get(1).after(), "independent: they run in parallel");
    assertEquals(StepOutcome.permanent("input.companies must be a non-empty array of strings"),
        AgentTestKit.of(new BriefingPlannerAgent()).run(json("{}")).outcome());
  }

  @Test
  void theWriterCombinesTheResults() throws Exception {
    var run = AgentTestKit.of(new BriefingWriterAgent()).model(new LocalModel()).run(json(
        "{\"results\": {\"research-1\": {\"company\": \"Acme\", \"profile\": \"Makes anvils.\"},"
            + " \"research-2\": {\"company\": \"Initech\", \"profile\": \"Makes reports.\"}}}"));
    assertEquals("Acme: Makes anvils. Initech: Makes reports.", run.output().get("briefing").asText());
    assertEquals(2, run.output().get("companies").asInt());
  }
}
