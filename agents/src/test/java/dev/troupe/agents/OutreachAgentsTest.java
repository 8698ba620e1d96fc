package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.agents.tools.EmailSendTool;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.testkit.AgentTestKit;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The research → outreach → report agents, each run on its own with the test kit. */
class OutreachAgentsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dataDir;

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void theResearcherProfilesFromNotesAndSaysSoWhenThereAreNone() throws Exception {
    var run = AgentTestKit.of(new ResearchAgent()).model(new LocalModel())
        .run(json("{\"company\":\"Acme Ltd\",\"notes\":\"Acme makes anvils. It sells to coyotes.\"}"));
    assertEquals("Acme makes anvils. It sells to coyotes.", run.output().get("profile").asText());
    assertEquals(2, run.output().get("talkingPoints").size());
    var blind = AgentTestKit.of(new ResearchAgent()).model(new LocalModel()).run(json("{\"company\":\"Initech\"}"));
    assertEquals(1, blind.decisions().size());
    assertTrue(blind.output().get("profile").asText().contains("not worked with before"));
  }

  @Test
  void theWriterDraftsOneMessagePerContact() throws Exception {
    var run = AgentTestKit.of(new OutreachWriterAgent()).model(new LocalModel())
        .run(json("{\"company\":\"Acme Ltd\",\"contact\":\"a@acme.test\",\"profile\":\"Acme makes anvils.\"}"));
    assertEquals("a@acme.test", run.output().get("to").asText());
    assertEquals("A faster, auditable onboarding for Acme Ltd", run.output().get("subject").asText());
    assertTrue(run.output().get("body").asText().startsWith("Hello, I am writing to the team at Acme Ltd."));
    assertEquals(StepOutcome.permanent("input.contact must be an e-mail address"),
        AgentTestKit.of(new OutreachWriterAgent()).model(new LocalModel())
            .run(json("{\"company\":\"Acme\",\"contact\":\"not-an-address\"}")).outcome());
  }

  @Test
  void theSenderProposesTheEmailInsteadOfSendingIt() throws Exception {
    JsonNode message = json("{\"to\":\"a@acme.test\",\"subject\":\"Hi\",\"body\":\"Hello.\"}");
    var run = AgentTestKit.of(new OutreachSenderAgent()).tools(new EmailSendTool(dataDir, Clock.systemUTC()))
        .run(message);
    assertEquals(StepOutcome.propose("email.send", message, "Send the outreach message \"Hi\" to a@acme.test."),
        run.outcome());
  }

  @Test
  void theReportWriterDelegatesItsSummaryToAPeer() throws Exception {
    var run = AgentTestKit.of(new ReportAgent())
        .delegation("text.summarize", input -> JSON.createObjectNode().put("summary", "short: " + input.get("text").asText()))
        .run(json("{\"company\":\"Acme Ltd\",\"messages\":[{\"to\":\"a@acme.test\"},{\"to\":\"b@acme.test\"}]}"));
    assertEquals("Outreach to Acme Ltd. 2 messages were prepared for a@acme.test, b@acme.test.",
        run.output().get("report").asText());
    assertTrue(run.output().get("summary").asText().startsWith("short: Outreach to Acme Ltd."));
    assertEquals(1, run.ofType(AgentEvent.DelegationRequested.class).size());
  }
}
