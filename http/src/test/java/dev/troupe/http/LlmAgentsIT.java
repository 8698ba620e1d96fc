package dev.troupe.http;

import static dev.troupe.http.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.model.FakeProvider;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model-driven agent defined in configuration only, thinking with a provider that speaks
 * OpenAI's wire protocol, end to end over HTTP: it calls a granted tool and answers JSON that
 * matches its schema; it proposes an irreversible call, which waits for a human and runs once
 * when approved; a call it was not granted is refused and journaled; and when its primary
 * provider fails, the breaker opens and the tier's fallback provider finishes the work.
 */
class LlmAgentsIT {
  private static final String KEY = "llm-agents-admin-key-0001";

  @TempDir
  static Path dataDir;
  private static TestServer server;
  private static FakeProvider primary;
  private static FakeProvider backup;

  @BeforeAll
  static void start() throws Exception {
    primary = FakeProvider.openAi();
    backup = FakeProvider.openAi();
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + KEY + "\"",
        "troupe.models.providers.primary { kind = openai-compatible, base-url = \"" + primary.baseUrl() + "\" }",
        "troupe.models.providers.backup { kind = openai-compatible, base-url = \"" + backup.baseUrl() + "\" }",
        "troupe.models.models.gpt { provider = primary, name = gpt-test }",
        "troupe.models.models.spare { provider = backup, name = spare-test }",
        "troupe.models.tiers.smart { primary = gpt, fallbacks = [spare] }",
        "troupe.models.breaker { minimum-calls = 2, failure-rate = 50, open-for = 60s }",
        "troupe.models.retry { max-attempts = 4, initial-backoff = 10ms, max-backoff = 50ms }",
        "troupe.agents.llm = [{ type = onboarder, role = \"a client onboarding clerk\",",
        "  instructions = \"Record the client in the CRM, then start billing if asked.\",",
        "  capability = client.onboard, tier = smart, tools = [\"crm.record\", \"billing.trigger\"],",
        "  output-schema = { type = object, required = [status], properties { status { type = string } } },",
        "  max-turns = 5 }]"));
  }

  @AfterAll
  static void stop() {
    server.close();
    primary.close();
    backup.close();
  }

  private static String submit(String client) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", KEY,
        "{\"capability\": \"client.onboard\", \"input\": {\"client\": \"" + client + "\"}}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    return json(accepted).get("taskId").asText();
  }

  private static JsonNode await(String taskId, Set<String> statuses) throws Exception {
    return server.await("/v1/tasks/" + taskId, KEY, task -> statuses.contains(task.get("status").asText()),
        taskId + " reached " + statuses);
  }

  private static List<JsonNode> timeline(String taskId, String type) throws Exception {
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + taskId, KEY)).get("events")) {
      if (event.get("type").asText().equals(type)) {
        found.add(event.get("event"));
      }
    }
    return found;
  }

  @Test
  void anLlmAgentCallsAToolProposesAnIrreversibleOneAndFallsOverWhenItsProviderFails() throws Exception {
    // 1. In a workflow: a granted tool, then an answer that matches the schema, which feeds the next step.
    HttpResponse<String> put = server.send(java.net.http.HttpRequest.newBuilder(
            server.uri("/v1/workflows/llm-onboarding"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"steps\": ["
            + "{\"id\": \"onboard\", \"capability\": \"client.onboard\", \"input\": {\"client\": \"${input.client}\"}},"
            + "{\"id\": \"summary\", \"capability\": \"text.summarize\", \"after\": [\"onboard\"],"
            + " \"input\": {\"text\": \"Acme is ${steps.onboard.output.status}.\"}}]}")));
    assertEquals(201, put.statusCode(), put.body());
    primary.then(FakeProvider.openAiToolCall("call_1", "crm_record", "{\"client\":\"Acme\",\"status\":\"onboarding\"}"),
        FakeProvider.openAiText("{\"status\": \"recorded\"}", 50, 5));
    HttpResponse<String> accepted = server.postJson("/v1/tasks", KEY,
        "{\"workflow\": \"llm-onboarding\", \"input\": {\"client\": \"Acme\"}}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String recorded = json(accepted).get("taskId").asText();
    JsonNode done = await(recorded, Set.of("COMPLETED", "FAILED"));
    assertEquals("COMPLETED", done.get("status").asText(), done.toString());
    JsonNode onboard = done.get("steps").get(0);
    assertEquals("recorded", onboard.get("output").get("status").asText(), "the LLM agent's schema-valid answer");
    assertEquals("Acme is recorded.", done.get("output").get("summary").asText(), "and it fed the next step");
    JsonNode crmCall = timeline(recorded, "ToolCalled").get(0);
    assertEquals("crm.record", crmCall.get("tool").asText(), "the journal keeps the real tool name");
    assertEquals("ok", crmCall.get("outcome").asText());
    assertTrue(Files.exists(dataDir.resolve("crm")), "the CRM record was written");
    JsonNode secondTurn = primary.requests().get(1).body();
    JsonNode lastMessage = secondTurn.get("messages").get(secondTurn.get("messages").size() - 1);
    assertEquals("tool", lastMessage.get("role").asText(), "the tool's result went back to the model");

    // 2. An ungranted tool is refused and journaled; an irreversible one becomes a proposal.
    primary.then(FakeProvider.openAiToolCall("call_2", "email_send", "{\"to\":\"a@acme.test\"}"),
        FakeProvider.openAiToolCall("call_3", "billing_trigger",
            "{\"client\":\"Acme\",\"amountEur\":4000,\"plan\":\"monthly\"}"));
    String billing = submit("Acme");
    JsonNode waiting = await(billing, Set.of("WAITING_APPROVAL", "FAILED", "COMPLETED"));
    assertEquals("WAITING_APPROVAL", waiting.get("status").asText(), waiting.toString());
    assertTrue(timeline(billing, "DecisionNoted").get(0).get("text").asText()
        .startsWith("refused the model's call of email.send: tool email.send is not granted"));
    assertTrue(Files.notExists(dataDir.resolve("billing")), "nothing is billed before a human approves");
    // The approval list is the read side, which trails the journal slightly.
    String approvalId = server.await("/v1/approvals?status=PENDING", KEY, list -> list.get("items").size() > 0,
        "the proposal is listed").get("items").get(0).get("approvalId").asText();
    assertEquals(200, server.postJson("/v1/approvals/" + approvalId + "/approve", KEY, "{}").statusCode());
    JsonNode billed = await(billing, Set.of("COMPLETED", "FAILED"));
    assertEquals("COMPLETED", billed.get("status").asText(), billed.toString());
    assertEquals(409, server.postJson("/v1/approvals/" + approvalId + "/approve", KEY, "{}").statusCode(),
        "a second decision is refused");
    assertEquals(1, timeline(billing, "ApprovedActionRan").size(), "the approved call ran once");

    // 3. The primary fails: after 4 successes and 4 failures (50%) its breaker opens, and the
    //    fallback provider finishes the task.
    primary.always(FakeProvider.error(503, "overloaded"));
    backup.then(FakeProvider.openAiText("{\"status\": \"recorded by the spare\"}", 10, 4));
    String fallenOver = submit("Globex");
    JsonNode spare = await(fallenOver, Set.of("COMPLETED", "FAILED"));
    assertEquals("COMPLETED", spare.get("status").asText(), spare.toString());
    assertEquals("recorded by the spare", spare.get("output").get("status").asText());
    JsonNode call = timeline(fallenOver, "ModelCalled").get(0);
    assertEquals("spare", call.get("model").asText());
    String why = call.get("fallbacks").get(0).asText();
    assertTrue(why.contains("model gpt failed on the provider's side") && why.endsWith("(4 calls)"), why);

    JsonNode gpt = null;
    for (JsonNode model : json(server.get("/v1/models", KEY)).get("models")) {
      if (model.get("id").asText().equals("gpt")) {
        gpt = model;
      }
    }
    assertEquals("OPEN", gpt.get("breaker").asText());
    String metrics = server.get("/metrics", KEY).body();
    assertTrue(metrics.contains("troupe_model_breaker_state{model=\"gpt\",state=\"open\"} 1.0"), metrics);
    int primaryCalls = primary.calls();
    backup.then(FakeProvider.openAiText("{\"status\": \"again\"}", 10, 4));
    assertEquals("COMPLETED", await(submit("Initech"), Set.of("COMPLETED", "FAILED")).get("status").asText());
    assertEquals(primaryCalls, primary.calls(), "the open breaker keeps calls off the failing provider");
  }
}
