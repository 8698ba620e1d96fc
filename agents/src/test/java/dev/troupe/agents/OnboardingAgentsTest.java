package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.agents.tools.BillingTriggerTool;
import dev.troupe.agents.tools.CrmRecordTool;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.testkit.AgentTestKit;
import dev.troupe.sdk.testkit.ScriptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client-onboarding agents, each run on its own with the test kit. */
class OnboardingAgentsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dataDir;

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void complianceApprovesACleanClientAndFlagsRedFlags() throws Exception {
    ScriptedModel model = ScriptedModel.named("m").otherwise("Rationale.").build();
    var clean = AgentTestKit.of(new ComplianceAgent()).model(model)
        .run(json("{\"client\":\"Acme\",\"summary\":\"Acme makes anvils in Ohio.\"}"));
    assertEquals(true, clean.output().get("approved").asBoolean());
    assertEquals("low", clean.output().get("risk").asText());
    assertEquals(List.of("no red flags in the summary of Acme; approved"), clean.decisions());

    var flagged = AgentTestKit.of(new ComplianceAgent()).model(model)
        .run(json("{\"client\":\"Shady\",\"summary\":\"Funds move offshore; litigation is pending.\"}"));
    assertEquals(false, flagged.output().get("approved").asBoolean());
    assertEquals("[\"mentions pending litigation\",\"mentions offshore structures\"]",
        flagged.output().get("findings").toString());
    assertEquals("Rationale.", flagged.output().get("rationale").asText());
  }

  @Test
  void theLetterWriterDraftsForApprovedClientsAndEscalatesOthers() throws Exception {
    var letter = AgentTestKit.of(new LetterAgent()).model(new LocalModel()).guidance(List.of("mention the retainer"))
        .run(json("{\"client\":\"Acme\",\"summary\":\"Acme needs payroll help.\"}"));
    assertTrue(letter.output().get("letter").asText().startsWith("Dear Acme, thank you for choosing us."));
    assertEquals(List.of("followed guidance: mention the retainer"), letter.decisions());

    var refused = AgentTestKit.of(new LetterAgent()).model(new LocalModel())
        .run(json("{\"client\":\"Shady\",\"summary\":\"x\",\"approved\":false}"));
    assertEquals(StepOutcome.escalate("compliance did not approve Shady; a partner must decide whether to engage"),
        refused.outcome());
    assertTrue(refused.modelCalls().isEmpty());

    var decided = AgentTestKit.of(new LetterAgent()).model(new LocalModel())
        .guidance(List.of("engage; the partner accepts the risk"))
        .run(json("{\"client\":\"Shady\",\"summary\":\"x\",\"approved\":false}"));
    assertTrue(decided.output().get("letter").asText().startsWith("Dear Shady"), decided.output().toString());
    assertEquals(List.of("followed guidance: engage; the partner accepts the risk"), decided.decisions());
  }

  @Test
  void theCrmClerkRecordsTheClientThroughItsToolAndRemembersTheId() throws Exception {
    var run = AgentTestKit.of(new CrmAgent()).tools(new CrmRecordTool(dataDir, Clock.systemUTC()))
        .run(json("{\"client\":\"Acme Ltd\",\"notes\":\"signed\"}"));
    String crmId = run.output().get("crmId").asText();
    assertTrue(crmId.startsWith("crm_"), crmId);
    assertEquals(Map.of("crm:Acme Ltd", crmId), run.remembered());
    JsonNode file = JSON.readTree(dataDir.resolve("crm").resolve(crmId + ".json").toFile());
    assertEquals("Acme Ltd", file.get("input").get("client").asText());
    assertEquals("onboarding", file.get("input").get("status").asText());
    assertEquals("crm.record", file.get("tool").asText());

    var again = AgentTestKit.of(new CrmAgent()).tools(new CrmRecordTool(dataDir, Clock.systemUTC()))
        .notes(run.remembered()).run(json("{\"client\":\"Acme Ltd\"}"));
    assertEquals(List.of("Acme Ltd was recorded before as " + crmId), again.decisions());
  }

  @Test
  void theBillingClerkOnlyProposesTheIrreversibleCall() throws Exception {
    var run = AgentTestKit.of(new BillingAgent()).tools(new BillingTriggerTool(dataDir, Clock.systemUTC()))
        .run(json("{\"client\":\"Acme Ltd\",\"amountEur\":4000}"));
    StepOutcome.ProposeAction proposal = (StepOutcome.ProposeAction) run.outcome();
    assertEquals("billing.trigger", proposal.tool());
    assertEquals("{\"client\":\"Acme Ltd\",\"amountEur\":4000,\"plan\":\"monthly\"}", proposal.input().toString());
    assertEquals("Start monthly billing of EUR 4000 for Acme Ltd, whose onboarding is complete.", proposal.reason());
    assertTrue(run.toolCalls().isEmpty(), "nothing ran");
    assertTrue(Files.notExists(dataDir.resolve("billing")));
    assertEquals(StepOutcome.permanent("input.amountEur must be a positive number"),
        AgentTestKit.of(new BillingAgent()).tools(new BillingTriggerTool(dataDir, Clock.systemUTC()))
            .run(json("{\"client\":\"Acme\",\"amountEur\":-1}")).outcome());
  }

  /** The example in the README, as written there. */
  @Test
  void theReadmeExampleRuns() throws Exception {
    AgentTestKit.StepRun run = AgentTestKit.of(new ComplianceAgent())
        .model(ScriptedModel.named("m").whenPromptContains("offshore", "High risk.").otherwise("Low risk.").build())
        .run(json("{\"client\": \"Acme\", \"summary\": \"Funds move offshore.\"}"));
    assertEquals(false, run.output().get("approved").asBoolean());
    assertEquals(1, run.modelCalls().size());
    assertEquals(List.of("red flags for Acme: mentions offshore structures; not approved"), run.decisions());
    assertEquals("High risk.", run.output().get("rationale").asText());
  }
}
