package dev.troupe.http;

import static dev.troupe.http.TestServer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first slice of API.md against a real server: submit, read, keys, tenants, errors. */
class TaskApiIT {
  private static final String ADMIN = "admin-key-for-tests-0001";
  private static final String ACME = "acme-submitter-key-0001";
  private static final String AUDITOR = "default-auditor-key-0001";
  private static final String TEXT = "Acme Ltd signed a two-year contract. The fee is 4,000 EUR per month.";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.http.max-body-bytes = 4096",
        "troupe.agents.registrations = [ { class = \"dev.troupe.agents.ShoutAgent\" },"
            + " { class = \"dev.troupe.agents.ClarifyingAgent\" } ]",
        "troupe.auth.admin-key = \"" + ADMIN + "\"",
        "troupe.auth.keys = [",
        "  { name = acme-ci, sha256 = \"" + ApiKeys.sha256Hex(ACME) + "\", tenant = acme, roles = [submitter] },",
        "  { name = auditor, sha256 = \"" + ApiKeys.sha256Hex(AUDITOR) + "\", tenant = default, roles = [auditor] }",
        "]"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String summarize(String text) {
    return "{\"capability\":\"text.summarize\",\"input\":{\"text\":\"" + text + "\"}}";
  }

  private static JsonNode awaitStatus(String taskId, String key, String status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    JsonNode task = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = server.get("/v1/tasks/" + taskId, key);
      assertEquals(200, response.statusCode(), response.body());
      task = json(response);
      if (task.get("status").asText().equals(status)) {
        return task;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(taskId + " never reached " + status + ": " + task);
  }

  private static void assertProblem(HttpResponse<String> response, int status, String detailContains) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/problem+json; charset=UTF-8",
        response.headers().firstValue("Content-Type").orElse(""));
    JsonNode problem = json(response);
    assertEquals(status, problem.get("status").asInt());
    assertTrue(problem.get("type").asText().startsWith("urn:troupe:problem:"), response.body());
    assertTrue(problem.get("detail").asText().contains(detailContains),
        "detail should contain '" + detailContains + "': " + response.body());
  }

  @Test
  void healthAnswersWithoutAKey() throws Exception {
    assertEquals(200, server.get("/health/live", null).statusCode());
    HttpResponse<String> ready = server.get("/health/ready", null);
    assertEquals(200, ready.statusCode());
    assertEquals("READY", json(ready).get("status").asText());
  }

  @Test
  void aSubmittedTaskRunsToCompletion() throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", ADMIN,
        "{\"capability\":\"text.summarize\",\"input\":{\"text\":\"" + TEXT + "\"},"
            + "\"labels\":{\"customer\":\"acme\"},\"priority\":\"high\",\"budget\":{\"maxTokens\":500}}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    JsonNode body = json(accepted);
    String taskId = body.get("taskId").asText();
    assertEquals("ACCEPTED", body.get("status").asText());
    assertTrue(body.get("traceId").asText().matches("[0-9a-f]{32}"));
    assertEquals("/v1/tasks/" + taskId, body.get("links").get("self").asText());
    assertEquals("/v1/tasks/" + taskId, accepted.headers().firstValue("Location").orElse(""));

    JsonNode task = awaitStatus(taskId, ADMIN, "COMPLETED");
    assertEquals(TEXT, task.get("output").get("summary").asText());
    assertEquals("text.summarize", task.get("capability").asText());
    assertEquals("acme", task.get("labels").get("customer").asText());
    assertEquals("high", task.get("priority").asText());
    assertEquals(500, task.get("budget").get("maxTokens").asInt());
    assertEquals(1, task.get("usage").get("modelCalls").asInt());
    assertTrue(task.get("usage").get("tokens").asInt() > 0);
    JsonNode step = task.get("steps").get(0);
    assertTrue(step.get("agentId").asText().matches("summarizer-[1-3]"), step.toString());
    assertEquals("COMPLETED", step.get("status").asText());
    assertEquals(1, step.get("attempts").asInt());
    assertFalse(task.get("createdAt").asText().isEmpty());
  }

  @Test
  void anAgentRegisteredByConfigurationServesItsCapability() throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", ADMIN,
        "{\"capability\":\"text.shout\",\"input\":{\"text\":\"hello\"}}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    JsonNode task = awaitStatus(json(accepted).get("taskId").asText(), ADMIN, "COMPLETED");
    assertEquals("HELLO", task.get("output").get("shout").asText());
    assertEquals("shouter-1", task.get("steps").get(0).get("agentId").asText());
  }

  @Test
  void aProposedIrreversibleActionLeavesTheTaskWaitingForApproval() throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", ADMIN,
        "{\"capability\":\"billing.start\",\"input\":{\"client\":\"Acme Ltd\",\"amountEur\":4000}}");
    JsonNode task = awaitStatus(json(accepted).get("taskId").asText(), ADMIN, "WAITING_APPROVAL");
    assertEquals(1, task.get("pendingApprovals").size());
    assertTrue(task.get("pendingApprovals").get(0).asText().startsWith("apr_"));
    assertEquals("WAITING_APPROVAL", task.get("steps").get(0).get("status").asText());
    assertFalse(java.nio.file.Files.exists(dataDir.resolve("billing")), "nothing was billed");
  }

  @Test
  void aW3cTraceparentBecomesTheTasksTrace() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    HttpResponse<String> accepted = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ADMIN)
        .header("Content-Type", "application/json")
        .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
        .POST(HttpRequest.BodyPublishers.ofString(summarize("Traced."))));
    assertEquals(traceId, json(accepted).get("traceId").asText());
    assertEquals(traceId, awaitStatus(json(accepted).get("taskId").asText(), ADMIN, "COMPLETED").get("traceId").asText());
  }

  @Test
  void theSameIdempotencyKeyReturnsTheSameTaskAndADifferentBodyConflicts() throws Exception {
    HttpRequest.Builder first = HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42")
        .POST(HttpRequest.BodyPublishers.ofString(summarize("Once only.")));
    HttpResponse<String> created = server.send(first);
    assertEquals(202, created.statusCode(), created.body());
    String taskId = json(created).get("taskId").asText();

    // Same body with its keys in another order and other whitespace: the same request.
    HttpResponse<String> again = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42")
        .POST(HttpRequest.BodyPublishers.ofString("{ \"input\": {\"text\": \"Once only.\"}, \"capability\": \"text.summarize\" }")));
    assertEquals(200, again.statusCode(), again.body());
    assertEquals(taskId, json(again).get("taskId").asText());

    HttpResponse<String> conflict = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42")
        .POST(HttpRequest.BodyPublishers.ofString(summarize("Something else."))));
    assertProblem(conflict, 409, "Idempotency-Key was already used for task " + taskId);

    // Another tenant's identical key names another task.
    HttpResponse<String> otherTenant = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ACME).header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42")
        .POST(HttpRequest.BodyPublishers.ofString(summarize("Once only."))));
    assertEquals(202, otherTenant.statusCode(), otherTenant.body());
    assertFalse(taskId.equals(json(otherTenant).get("taskId").asText()));
  }

  @Test
  void everyV1RouteNeedsAValidKeyAndSaysNothingAboutWhichKeysExist() throws Exception {
    HttpResponse<String> missing = server.get("/v1/tasks/tsk_x", null);
    assertProblem(missing, 401, "Authorization: Bearer");
    assertEquals("Bearer realm=\"troupe\"", missing.headers().firstValue("WWW-Authenticate").orElse(""));
    HttpResponse<String> wrong = server.get("/v1/tasks/tsk_x", ADMIN + "x");
    assertProblem(wrong, 401, "Authorization: Bearer");
    assertEquals(missing.body(), wrong.body());
    HttpResponse<String> basic = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks/tsk_x"))
        .header("Authorization", "Basic " + ADMIN).GET());
    assertEquals(missing.body(), basic.body());
    assertProblem(server.get("/v1/nothing-here", null), 401, "Authorization");
  }

  @Test
  void anotherTenantsTaskDoesNotExistForTheCaller() throws Exception {
    String adminTask = json(server.postJson("/v1/tasks", ADMIN, summarize("Default tenant."))).get("taskId").asText();
    assertProblem(server.get("/v1/tasks/" + adminTask, ACME), 404, "no task " + adminTask);
    String acmeTask = json(server.postJson("/v1/tasks", ACME, summarize("Acme tenant."))).get("taskId").asText();
    awaitStatus(acmeTask, ACME, "COMPLETED");
    assertProblem(server.get("/v1/tasks/" + acmeTask, ADMIN), 404, "no task " + acmeTask);
  }

  @Test
  void rolesAreEnforced() throws Exception {
    assertProblem(server.postJson("/v1/tasks", AUDITOR, summarize("Not allowed.")), 403, "submitter or admin role");
    String task = json(server.postJson("/v1/tasks", ADMIN, summarize("Readable."))).get("taskId").asText();
    assertEquals(200, server.get("/v1/tasks/" + task, AUDITOR).statusCode());
  }

  @Test
  void unknownTasksRoutesAndMethodsAreProblems() throws Exception {
    assertProblem(server.get("/v1/tasks/tsk_doesnotexist", ADMIN), 404, "no task tsk_doesnotexist");
    assertProblem(server.get("/v1/tasks/bad%20id%21", ADMIN), 404, "no task");
    assertProblem(server.get("/v1/elsewhere", ADMIN), 404, "could not be found");
    assertProblem(server.send(HttpRequest.newBuilder(server.uri("/v1/tasks/tsk_x"))
        .header("Authorization", "Bearer " + ADMIN).DELETE()), 405, "supported methods: GET");
    assertProblem(server.get("/nowhere", null), 404, "could not be found");
  }

  @Test
  void badInputIsA4xxNamingTheFieldAndChangesNothing() throws Exception {
    long tasksBefore = server.journaledTasks();
    Map<String, Object[]> cases = new LinkedHashMap<>();
    cases.put("{\"capability\":", new Object[] {400, "malformed JSON"});
    cases.put("", new Object[] {400, "the body is empty"});
    cases.put("[1,2]", new Object[] {400, "$: the body must be a JSON object"});
    cases.put("{} {}", new Object[] {400, "malformed JSON"});
    cases.put("{\"input\":{}}", new Object[] {400, "capability: give exactly one of capability or workflow"});
    cases.put("{\"capability\":\"text.summarize\",\"workflow\":\"w\"}",
        new Object[] {400, "capability: give exactly one of capability or workflow"});
    cases.put("{\"capability\":42}", new Object[] {400, "capability: must be a non-empty string"});
    cases.put("{\"capability\":\"text.summarize\",\"capabilty\":1}", new Object[] {400, "capabilty: unknown field"});
    cases.put("{\"capability\":\"image.paint\"}",
        new Object[] {422, "capability: unknown capability 'image.paint' (known: billing.start, briefing.compile, briefing.plan,"});
    cases.put("{\"workflow\":\"no-such-workflow\"}", new Object[] {422, "workflow: unknown workflow 'no-such-workflow'"});
    cases.put("{\"workflow\":\"client-onboarding@0\"}", new Object[] {400, "workflow: must be a workflow name"});
    cases.put("{\"capability\":\"text.summarize\",\"input\":\"text\"}", new Object[] {400, "input: must be a JSON object"});
    cases.put("{\"capability\":\"text.summarize\",\"budget\":{\"maxTokens\":-5}}",
        new Object[] {400, "budget.maxTokens: must be 1..1000000000, was -5"});
    cases.put("{\"capability\":\"text.summarize\",\"budget\":{\"maxTokens\":1.5}}",
        new Object[] {400, "budget.maxTokens: must be a whole number"});
    cases.put("{\"capability\":\"text.summarize\",\"budget\":{\"maxTokens\":99999999999999999999999}}",
        new Object[] {400, "budget.maxTokens: must be a whole number"});
    cases.put("{\"capability\":\"text.summarize\",\"budget\":{\"maxCostUsd\":-0.01}}",
        new Object[] {400, "budget.maxCostUsd: must be 0..1000000, was -0.01"});
    cases.put("{\"capability\":\"text.summarize\",\"budget\":{\"maxCostUsd\":\"1\"}}",
        new Object[] {400, "budget.maxCostUsd: must be a number"});
    cases.put("{\"capability\":\"text.summarize\",\"budget\":{\"maxDollars\":1}}",
        new Object[] {400, "budget.maxDollars: unknown field"});
    cases.put("{\"capability\":\"text.summarize\",\"deadline\":\"10 minutes\"}",
        new Object[] {400, "deadline: must be an ISO-8601 duration such as PT10M, was '10 minutes'"});
    cases.put("{\"capability\":\"text.summarize\",\"deadline\":\"-PT1M\"}", new Object[] {400, "deadline: must be positive"});
    cases.put("{\"capability\":\"text.summarize\",\"priority\":\"urgent\"}",
        new Object[] {400, "priority: must be one of low, normal, high"});
    cases.put("{\"capability\":\"text.summarize\",\"priority\":\"HIGH\"}",
        new Object[] {400, "priority: must be one of low, normal, high"});
    cases.put("{\"capability\":\"text.summarize\",\"labels\":{\"a\":1}}", new Object[] {400, "labels.a: must be a string"});
    cases.put("{\"capability\":\"text.summarize\",\"labels\":{\"bad key\":\"v\"}}", new Object[] {400, "labels: label names"});
    StringBuilder labels = new StringBuilder("{");
    for (int i = 0; i < 33; i++) {
      labels.append(i == 0 ? "" : ",").append("\"l").append(i).append("\":\"v\"");
    }
    cases.put("{\"capability\":\"text.summarize\",\"labels\":" + labels + "}}", new Object[] {400, "labels: at most 32 labels"});
    cases.put("{\"capability\":\"text.summarize\",\"input\":" + "[".repeat(40) + "]".repeat(40) + "}",
        new Object[] {400, "the JSON exceeds a limit"});
    cases.put("{\"capability\":\"text.summarize\",\"budget\":{\"maxCostUsd\":NaN}}", new Object[] {400, "malformed JSON"});

    for (var entry : cases.entrySet()) {
      HttpResponse<String> response = server.postJson("/v1/tasks", ADMIN, entry.getKey());
      assertProblem(response, (Integer) entry.getValue()[0], (String) entry.getValue()[1]);
    }

    byte[] invalidUtf8 = "{\"capability\":\"text.summarize\",\"input\":{\"text\":\"\u0000\"}}".getBytes();
    invalidUtf8[invalidUtf8.length - 4] = (byte) 0xC3; // a lead byte with no continuation
    assertProblem(server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(invalidUtf8))), 400, "the body is not valid UTF-8");
    assertProblem(server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(summarize("x")))), 415, "application/json");
    assertProblem(server.postJson("/v1/tasks", ADMIN, summarize("x".repeat(5000))), 413, "larger than the limit");
    byte[] big = summarize("x".repeat(5000)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertProblem(server.send(HttpRequest.newBuilder(server.uri("/v1/tasks")) // chunked: no Content-Length
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))),
        413, "larger than the limit");
    assertProblem(server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .header("Idempotency-Key", "x".repeat(201))
        .POST(HttpRequest.BodyPublishers.ofString(summarize("x")))), 400, "Idempotency-Key");

    assertEquals(200, server.get("/health/ready", null).statusCode(), "the server is still up");
    assertEquals(tasksBefore, server.journaledTasks(), "bad input journaled no task");
  }

  private static HttpResponse<String> put(String path, String key, String body) throws Exception {
    return server.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  @Test
  void workflowsAreRegisteredVersionedPinnedAndRolledBack() throws Exception {
    String v1 = "{\"steps\": [{\"id\": \"loud\", \"capability\": \"text.shout\", \"input\": {\"text\": \"${input.word}\"}}]}";
    String v2 = "{\"steps\": [{\"id\": \"loud\", \"capability\": \"text.shout\","
        + " \"input\": {\"text\": \"v2 ${input.word}\"}}]}";
    assertProblem(put("/v1/workflows/shouting", AUDITOR, v1), 403, "admin role");
    assertProblem(put("/v1/workflows/shouting", ADMIN,
        "{\"steps\": [{\"id\": \"loud\", \"capability\": \"text.whisper\"}, {\"id\": \"b\","
            + " \"capability\": \"text.shout\", \"after\": [\"lou\"]}]}"),
        400, "steps[0].capability: unknown capability 'text.whisper'; steps[1].after[0]: unknown step 'lou'");
    assertProblem(put("/v1/workflows/shouting", ADMIN, "{\"steps\": [{\"id\": \"loud\", \"capabilty\": \"x\"}]}"),
        400, "steps[0].capabilty");

    HttpResponse<String> first = put("/v1/workflows/shouting", ADMIN, v1);
    assertEquals(201, first.statusCode(), first.body());
    assertEquals(1, json(first).get("version").asInt());
    assertEquals(200, put("/v1/workflows/shouting", ADMIN, v1).statusCode(), "the same definition again");
    assertEquals(2, json(put("/v1/workflows/shouting", ADMIN, v2)).get("version").asInt());
    JsonNode read = json(server.get("/v1/workflows/shouting", AUDITOR));
    assertEquals(2, read.get("current").asInt());
    assertEquals(2, read.get("versions").size());

    String pinned = json(server.postJson("/v1/tasks", ADMIN,
        "{\"workflow\": \"shouting@1\", \"input\": {\"word\": \"hi\"}}")).get("taskId").asText();
    JsonNode onV1 = awaitStatus(pinned, ADMIN, "COMPLETED");
    assertEquals("HI", onV1.get("output").get("shout").asText());
    assertEquals("shouting@1", onV1.get("workflow").asText());
    String current = json(server.postJson("/v1/tasks", ADMIN,
        "{\"workflow\": \"shouting\", \"input\": {\"word\": \"hi\"}}")).get("taskId").asText();
    assertEquals("V2 HI", awaitStatus(current, ADMIN, "COMPLETED").get("output").get("shout").asText());

    assertProblem(server.postJson("/v1/tasks", ADMIN, "{\"workflow\": \"shouting@7\"}"), 422,
        "unknown workflow 'shouting' or it has no version 7");
    assertProblem(server.postJson("/v1/tasks", ADMIN, "{\"workflow\": \"whispering\"}"), 422,
        "unknown workflow 'whispering'");
    assertProblem(server.postJson("/v1/tasks", ADMIN, "{\"workflow\": \"Bad Name\"}"), 400, "workflow: must be");

    assertProblem(server.postJson("/v1/workflows/shouting/rollback", ADMIN, "{\"toVersion\": 9}"), 422,
        "has versions 1..2, not 9");
    HttpResponse<String> rolled = server.postJson("/v1/workflows/shouting/rollback", ADMIN, "{\"toVersion\": 1}");
    assertEquals(1, json(rolled).get("current").asInt(), rolled.body());
    String afterRollback = json(server.postJson("/v1/tasks", ADMIN,
        "{\"workflow\": \"shouting\", \"input\": {\"word\": \"yo\"}}")).get("taskId").asText();
    assertEquals("YO", awaitStatus(afterRollback, ADMIN, "COMPLETED").get("output").get("shout").asText());
    assertProblem(server.get("/v1/workflows/nothing-here", ADMIN), 404, "no workflow nothing-here");
    assertTrue(json(server.get("/v1/workflows", ADMIN)).get("items").size() >= 3, "built-ins and shouting");
  }

  @Test
  void theBuiltInOnboardingWorkflowRunsUpToItsApprovalGate() throws Exception {
    String taskId = json(server.postJson("/v1/tasks", ADMIN, "{\"workflow\": \"client-onboarding\","
        + " \"input\": {\"client\": \"Acme Ltd\", \"documents\": [\"Acme makes anvils.\", \"It has 40 staff.\"]}}"))
        .get("taskId").asText();
    JsonNode task = awaitStatus(taskId, ADMIN, "WAITING_APPROVAL");
    assertEquals("client-onboarding@1", task.get("workflow").asText());
    List<String> steps = new java.util.ArrayList<>();
    task.get("steps").forEach(step -> steps.add(step.get("name").asText() + ":" + step.get("status").asText()));
    assertEquals(List.of("summarize:COMPLETED", "compliance:COMPLETED", "letter:COMPLETED", "crm:COMPLETED",
        "billing:WAITING_APPROVAL"), steps);
    assertEquals(1, task.get("pendingApprovals").size());
  }

  @Test
  void aRunningTaskCanBeCancelledOnceAndOnlyByItsTenant() throws Exception {
    String taskId = json(server.postJson("/v1/tasks", ADMIN,
        "{\"capability\": \"billing.start\", \"input\": {\"client\": \"Acme\"}}")).get("taskId").asText();
    awaitStatus(taskId, ADMIN, "WAITING_APPROVAL");
    assertProblem(server.postJson("/v1/tasks/" + taskId + "/cancel", ACME, ""), 404, "no task");
    HttpResponse<String> cancelled = server.postJson("/v1/tasks/" + taskId + "/cancel", ADMIN, "");
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("CANCELLED", json(cancelled).get("status").asText());
    assertEquals("cancelled by admin", json(cancelled).get("error").asText());
    assertProblem(server.postJson("/v1/tasks/" + taskId + "/cancel", ADMIN, ""), 409, "already finished as CANCELLED");
  }

  @Test
  void guidanceResumesAnEscalatedTaskAndIsJournaledWithWhoGaveIt() throws Exception {
    String taskId = json(server.postJson("/v1/tasks", ADMIN,
        "{\"capability\": \"text.clarify\", \"input\": {\"text\": \"Q3 revenue rose 4%.\"}}")).get("taskId").asText();
    JsonNode escalated = awaitStatus(taskId, ADMIN, "ESCALATED");
    assertTrue(escalated.get("error").asText().endsWith("who is this text for?"), escalated.toString());
    String path = "/v1/tasks/" + taskId + "/guidance";

    // Bad guidance is refused and changes nothing.
    assertProblem(server.postJson(path, ADMIN, "{\"text\": \"  \"}"), 400, "text: must not be blank");
    assertProblem(server.postJson(path, ADMIN, "{\"text\": 42}"), 400, "text: required, a string");
    assertProblem(server.postJson(path, ADMIN, "{\"text\": \"x\", \"urgent\": true}"), 400, "urgent: unknown field");
    assertProblem(server.postJson(path, ADMIN, "[\"the board\"]"), 400, "must be a JSON object");
    assertProblem(server.postJson(path, ADMIN, "{\"text\": "), 400, "");
    assertProblem(server.postJson(path, ADMIN, "{\"text\": \"" + "x".repeat(4001) + "\"}"), 400, "at most 4000");
    assertProblem(server.postJson(path, ADMIN, "{\"text\": \"" + "x".repeat(5000) + "\"}"), 413, "");
    assertProblem(server.postJson(path, AUDITOR, "{\"text\": \"the board\"}"), 403, "submitter, approver or admin");
    assertProblem(server.postJson(path, ACME, "{\"text\": \"the board\"}"), 404, "no task");
    JsonNode unchanged = json(server.get("/v1/tasks/" + taskId, ADMIN));
    assertEquals("ESCALATED", unchanged.get("status").asText());
    assertEquals(0, unchanged.get("guidance").size());

    HttpResponse<String> guided = server.postJson(path, ADMIN, "{\"text\": \" the board \"}");
    assertEquals(202, guided.statusCode(), guided.body());
    assertEquals("the board", json(guided).get("guidance").get(0).asText());

    JsonNode done = awaitStatus(taskId, ADMIN, "COMPLETED");
    assertEquals("the board", done.get("output").get("audience").asText());
    assertEquals(2, done.get("steps").get(0).get("attempts").asInt());
    JsonNode timeline = json(server.get("/v1/audit/tasks/" + taskId, ADMIN)).get("events");
    JsonNode given = null;
    for (JsonNode event : timeline) {
      if (event.get("type").asText().equals("GuidanceGiven")) {
        given = event;
      }
    }
    assertTrue(given != null, timeline.toString());
    assertEquals("admin", given.get("stamp").get("actor").get("id").asText(), given.toString());
    assertEquals("the board", given.get("event").get("text").asText());

    assertProblem(server.postJson(path, ADMIN, "{\"text\": \"too late\"}"), 409, "already finished as COMPLETED");
  }

  @Test
  void aTaskTakesAtMostFiftyPiecesOfGuidance() throws Exception {
    String taskId = json(server.postJson("/v1/tasks", ADMIN,
        "{\"capability\": \"billing.start\", \"input\": {\"client\": \"Acme\"}}")).get("taskId").asText();
    awaitStatus(taskId, ADMIN, "WAITING_APPROVAL");
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> given = server.postJson("/v1/tasks/" + taskId + "/guidance", ADMIN, "{\"text\": \"hint " + i + "\"}");
      assertEquals(202, given.statusCode(), given.body());
      assertEquals("WAITING_APPROVAL", json(given).get("status").asText());
    }
    assertProblem(server.postJson("/v1/tasks/" + taskId + "/guidance", ADMIN, "{\"text\": \"one more\"}"), 409,
        "already has 50 pieces of guidance");
    assertEquals(50, json(server.get("/v1/tasks/" + taskId, ADMIN)).get("guidance").size());
  }

  private HttpResponse<String> guide(String taskId, String key, String text) throws Exception {
    return server.send(HttpRequest.newBuilder(server.uri("/v1/tasks/" + taskId + "/guidance"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"" + text + "\"}")));
  }

  @Test
  void guidanceWithAnIdempotencyKeyIsJournaledOnce() throws Exception {
    String taskId = json(server.postJson("/v1/tasks", ADMIN,
        "{\"capability\": \"billing.start\", \"input\": {\"client\": \"Acme\"}}")).get("taskId").asText();
    awaitStatus(taskId, ADMIN, "WAITING_APPROVAL");
    assertEquals(202, guide(taskId, "hint-1", "bill quarterly").statusCode());
    HttpResponse<String> again = guide(taskId, "hint-1", "bill quarterly");
    assertEquals(200, again.statusCode(), "a retry of the same guidance");
    assertEquals(1, json(again).get("guidance").size());
    assertProblem(guide(taskId, "hint-1", "bill yearly"), 409, "Idempotency-Key was already used");
    assertEquals(400, guide(taskId, "bad key with spaces", "x").statusCode());
    long given = 0;
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + taskId, ADMIN)).get("events")) {
      given += event.get("type").asText().equals("GuidanceGiven") ? 1 : 0;
    }
    assertEquals(1, given);
  }

  @Test
  void theBuiltInBriefingWorkflowPlansRunsAndCombines() throws Exception {
    String taskId = json(server.postJson("/v1/tasks", ADMIN, "{\"workflow\": \"company-briefing\","
        + " \"input\": {\"companies\": [\"Acme Ltd\", \"Initech\"], \"notes\": {\"Acme Ltd\": \"Acme makes anvils.\"}}}"))
        .get("taskId").asText();
    JsonNode task = awaitStatus(taskId, ADMIN, "COMPLETED");
    List<String> steps = new java.util.ArrayList<>();
    task.get("steps").forEach(step -> steps.add(step.get("name").asText()));
    assertEquals(List.of("plan", "plan/research-1", "plan/research-2", "compile"), steps);
    assertEquals(2, task.get("output").get("companies").asInt());
    assertTrue(task.get("output").get("briefing").asText().startsWith("Acme Ltd: Acme makes anvils."),
        task.get("output").toString());
  }
}
