package dev.troupe.http;

import static dev.troupe.http.TestServer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.workflow.TriggerRouter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every orchestration pattern with the built-in agents on the offline {@code local} model, through
 * the HTTP API and the real journal, as the README shows them.
 */
class BuiltInPatternsIT {
  private static final String KEY = "patterns-admin-key-0001";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, "troupe.auth.admin-key = \"" + KEY + "\"");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String submit(String body) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", KEY, body);
    assertEquals(202, accepted.statusCode(), accepted.body());
    return json(accepted).get("taskId").asText();
  }

  private static void put(String name, String definition) throws Exception {
    HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.uri("/v1/workflows/" + name))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(definition)));
    assertTrue(response.statusCode() == 201 || response.statusCode() == 200, response.body());
  }

  private static final Set<String> SETTLED = Set.of("COMPLETED", "FAILED", "CANCELLED", "WAITING_APPROVAL",
      "ESCALATED");

  private static JsonNode await(String taskId, Set<String> statuses) throws Exception {
    JsonNode task = await(taskId, t -> statuses.contains(t.get("status").asText()), statuses.toString());
    if (SETTLED.containsAll(statuses)) {
      assertReplays(taskId);
    }
    return task;
  }

  /** Replay-and-compare: the journal folded again gives what was recorded and what is served. */
  private static void assertReplays(String taskId) throws Exception {
    JsonNode replay = json(server.get("/v1/audit/tasks/" + taskId + "/replay", KEY));
    assertTrue(replay.get("ok").asBoolean(), replay.toString());
    assertTrue(replay.get("events").asInt() > 0, replay.toString());
  }

  private static JsonNode await(String taskId, java.util.function.Predicate<JsonNode> done, String what)
      throws Exception {
    return server.await("/v1/tasks/" + taskId, KEY, done, taskId + " reached " + what);
  }

  private static List<String> steps(JsonNode task) {
    List<String> out = new ArrayList<>();
    task.get("steps").forEach(step -> out.add(step.get("name").asText() + ":" + step.get("status").asText()));
    return out;
  }

  @Test
  void aParallelFanOutDraftsPerContactAndEachSendWaitsForApproval() throws Exception {
    String taskId = submit("{\"workflow\": \"research-outreach\", \"input\": {\"company\": \"Acme Ltd\","
        + " \"contacts\": [\"a@acme.test\", \"b@acme.test\"], \"notes\": \"Acme makes anvils.\"}}");
    // The task waits from the first proposal on; the second send may still be running then.
    JsonNode task = await(taskId, t -> t.get("status").asText().equals("WAITING_APPROVAL")
        && t.get("pendingApprovals").size() == 2, "two pending approvals");
    assertEquals(List.of("research:COMPLETED", "draft:COMPLETED", "draft:COMPLETED", "send:WAITING_APPROVAL",
        "send:WAITING_APPROVAL"), steps(task));
    assertEquals(2, task.get("pendingApprovals").size());
    assertReplays(taskId);
    // Each draft is addressed to its contact; clients see the address masked (troupe.redaction).
    assertEquals("[REDACTED:email]", task.get("steps").get(2).get("output").get("to").asText());
    assertTrue(task.get("steps").get(2).get("output").get("subject").asText().contains("Acme Ltd"));
  }

  @Test
  void aRejectedClientTakesTheOtherBranch() throws Exception {
    JsonNode task = await(submit("{\"workflow\": \"client-onboarding\", \"input\": {\"client\": \"Shady Co\","
        + " \"documents\": [\"Shady Co moves funds offshore.\"]}}"), Set.of("COMPLETED"));
    assertEquals(List.of("summarize:COMPLETED", "compliance:COMPLETED", "letter:SKIPPED", "crm:SKIPPED",
        "billing:SKIPPED"), steps(task));
    assertEquals(false, task.get("output").get("compliance").get("approved").asBoolean());
  }

  @Test
  void aBoundedLoopEndsWhenItsConditionHoldsOrStopsARepeatedCall() throws Exception {
    put("recheck", "{\"steps\": [{\"id\": \"check\", \"capability\": \"compliance.check\","
        + " \"input\": {\"client\": \"${input.client}\", \"summary\": \"${input.summary}\"},"
        + " \"loop\": {\"until\": {\"path\": \"steps.check.output.approved\", \"equals\": true}, \"max\": 3}}]}");
    JsonNode clean = await(submit("{\"workflow\": \"recheck\", \"input\": {\"client\": \"Acme\","
        + " \"summary\": \"Acme makes anvils.\"}}"), Set.of("COMPLETED", "FAILED"));
    assertEquals("COMPLETED", clean.get("status").asText());
    assertEquals(List.of("check:COMPLETED"), steps(clean));
    JsonNode stuck = await(submit("{\"workflow\": \"recheck\", \"input\": {\"client\": \"Shady Co\","
        + " \"summary\": \"Funds move offshore.\"}}"), Set.of("COMPLETED", "FAILED"));
    assertEquals("FAILED", stuck.get("status").asText());
    assertEquals("step check: run 2 would repeat the identical call of run 1; stopped", stuck.get("error").asText());
  }

  @Test
  void anAgentDelegatesToAPeerAsAChildTask() throws Exception {
    String taskId = submit("{\"capability\": \"report.compile\", \"input\": {\"company\": \"Acme Ltd\","
        + " \"messages\": [{\"to\": \"a@acme.test\"}], \"profile\": \"Acme makes anvils.\"}}");
    JsonNode report = await(taskId, Set.of("COMPLETED"));
    assertTrue(report.get("output").get("summary").asText().startsWith("Outreach to Acme Ltd."));
    String childId = "tsk_" + HexFormat.of().formatHex(CanonicalJson.sha256()
        .digest((taskId + ".main#delegate-1").getBytes(StandardCharsets.UTF_8)), 0, 16);
    JsonNode child = await(childId, Set.of("COMPLETED"));
    assertEquals(taskId, child.get("parentTaskId").asText());
    assertEquals("text.summarize", child.get("capability").asText());
  }

  @Test
  void aTriggeredWorkflowStartsWhenTheSourceWorkflowCompletes() throws Exception {
    put("quick-brief", "{\"steps\": [{\"id\": \"sum\", \"capability\": \"text.summarize\","
        + " \"input\": {\"text\": \"${input.text}\"}}]}");
    put("screen-brief", "{\"trigger\": {\"on\": \"TaskCompleted\", \"workflow\": \"quick-brief\","
        + " \"input\": {\"client\": \"${event.taskId}\", \"summary\": \"${event.output.summary}\"}},"
        + " \"steps\": [{\"id\": \"screen\", \"capability\": \"compliance.check\","
        + " \"input\": {\"client\": \"${input.client}\", \"summary\": \"${input.summary}\"}}]}");
    String source = submit("{\"workflow\": \"quick-brief\", \"input\": {\"text\": \"Acme has pending litigation.\"}}");
    await(source, Set.of("COMPLETED"));
    JsonNode screened = await(TriggerRouter.triggeredTaskId("screen-brief", source, "TaskCompleted"),
        Set.of("COMPLETED"));
    assertEquals(source, screened.get("labels").get("triggeredBy").asText());
    assertEquals(false, screened.get("output").get("approved").asBoolean());
    assertEquals("[\"mentions pending litigation\"]", screened.get("output").get("findings").toString());
  }

  private static HttpResponse<String> postEvent(String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/v1/events"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return server.send(request);
  }

  @Test
  void anEventPostedFromOutsideStartsTheWorkflowsItTriggersOnce() throws Exception {
    put("paid-note", "{\"trigger\": {\"on\": \"ExternalEvent\", \"event\": \"invoice.paid\","
        + " \"input\": {\"text\": \"${event.data.note}\"}},"
        + " \"steps\": [{\"id\": \"sum\", \"capability\": \"text.summarize\","
        + " \"input\": {\"text\": \"${input.text}\"}}]}");
    String body = "{\"type\": \"invoice.paid\", \"data\": {\"note\": \"Acme paid invoice 42. Thank them.\"}}";
    HttpResponse<String> posted = postEvent("payment-42", body);
    assertEquals(202, posted.statusCode(), posted.body());
    JsonNode started = json(posted).get("tasks");
    assertEquals(1, started.size());
    assertEquals("paid-note", started.get(0).get("workflow").asText());
    JsonNode task = await(started.get(0).get("taskId").asText(), Set.of("COMPLETED"));
    assertTrue(task.get("output").get("summary").asText().startsWith("Acme paid invoice 42."), task.toString());
    assertTrue(task.get("labels").get("triggeredBy").asText().startsWith("event:evt_"));

    // The same event again starts nothing new; the same key with other data is a conflict.
    HttpResponse<String> again = postEvent("payment-42", body);
    assertEquals(200, again.statusCode(), again.body());
    assertEquals(started.get(0).get("taskId"), json(again).get("tasks").get(0).get("taskId"));
    assertEquals(409, postEvent("payment-42", body.replace("42", "43")).statusCode());
    // Nobody listens: 422. Bad events: 400.
    assertEquals(422, postEvent(null, "{\"type\": \"invoice.lost\"}").statusCode());
    for (String bad : new String[] {"{}", "{\"type\": \"Invoice Paid\"}", "{\"type\": \"invoice.paid\", \"data\": 1}",
        "{\"type\": \"invoice.paid\", \"extra\": 1}", "[]"}) {
      assertEquals(400, postEvent(null, bad).statusCode(), bad);
    }
    // An external trigger follows no tasks.
    HttpResponse<String> invalid = server.send(HttpRequest.newBuilder(server.uri("/v1/workflows/bad-trigger"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"trigger\": {\"on\": \"ExternalEvent\", \"event\": \"x\","
            + " \"workflow\": \"paid-note\"}, \"steps\": [{\"id\": \"s\", \"capability\": \"text.summarize\"}]}")));
    assertEquals(400, invalid.statusCode(), invalid.body());
  }
}
