package dev.troupe.http;

import static dev.troupe.http.TestServer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import dev.troupe.persistence.CanonicalJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guardrails enforced by the runtime, end to end through HTTP on the real journal: budgets
 * reserved and settled per model call, refused past the limit (also for a child task drawing on
 * its parent's budget), and runaway tasks stopped.
 */
class GuardrailsIT {
  private static final String KEY = "guardrails-admin-key-0001";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + KEY + "\"",
        "troupe.tasks.max-steps = 4",
        "troupe.tasks.retry-backoff = 50ms",
        "troupe.agents.registrations = [ { class = \"dev.troupe.agents.RogueAgent\" },"
            + " { class = \"dev.troupe.agents.RationedAgent\" } ]"));
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

  private static JsonNode await(String taskId, Set<String> statuses) throws Exception {
    return server.await("/v1/tasks/" + taskId, KEY, task -> statuses.contains(task.get("status").asText()),
        taskId + " reached " + statuses);
  }

  private static List<String> types(String taskId) throws Exception {
    List<String> out = new ArrayList<>();
    json(server.get("/v1/audit/tasks/" + taskId, KEY)).get("events").forEach(e -> out.add(e.get("type").asText()));
    return out;
  }

  @Test
  void aModelCallIsReservedBeforeAndSettledAfterInTheTasksJournal() throws Exception {
    String taskId = submit("{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Anvils are heavy. They are"
        + " made of steel.\"}, \"budget\": {\"maxTokens\": 5000}}");
    JsonNode done = await(taskId, Set.of("COMPLETED", "FAILED"));
    assertEquals("COMPLETED", done.get("status").asText(), done.toString());
    List<String> types = types(taskId);
    assertTrue(types.contains("BudgetReserved") && types.indexOf("BudgetReserved") < types.indexOf("BudgetSettled"),
        types.toString());
    JsonNode budget = done.get("budget");
    assertEquals(done.get("usage").get("tokens").asLong(), budget.get("spentTokens").asLong());
    assertTrue(budget.get("spentTokens").asLong() > 0, budget.toString());
    assertEquals(0, budget.get("reservedTokens").asLong());
    assertTrue(json(server.get("/v1/audit/tasks/" + taskId + "/verify", KEY)).get("ok").asBoolean());
  }

  @Test
  void aCallThatWouldExceedTheBudgetIsNotMadeAndTheStepFailsForGood() throws Exception {
    String taskId = submit("{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Anvils are heavy.\"},"
        + " \"budget\": {\"maxTokens\": 5}}");
    JsonNode failed = await(taskId, Set.of("COMPLETED", "FAILED"));
    assertEquals("FAILED", failed.get("status").asText());
    JsonNode step = failed.get("steps").get(0);
    assertTrue(step.get("error").asText().startsWith("BUDGET_EXCEEDED: the call may use up to"), step.toString());
    assertEquals(1, step.get("attempts").asInt(), "not retryable");
    assertEquals(0, failed.get("usage").get("tokens").asLong(), "the model was never called");
    assertTrue(types(taskId).contains("BudgetRefused"));
  }

  @Test
  void aChildTaskDrawsOnItsParentsBudget() throws Exception {
    // The report writer delegates its summary to a child task, which has no budget of its own.
    String taskId = submit("{\"capability\": \"report.compile\", \"input\": {\"company\": \"Acme Ltd\","
        + " \"messages\": [{\"to\": \"a@acme.test\"}], \"profile\": \"Acme makes anvils.\"},"
        + " \"budget\": {\"maxTokens\": 5}}");
    JsonNode parent = await(taskId, Set.of("COMPLETED", "FAILED"));
    assertEquals("FAILED", parent.get("status").asText(), parent.toString());
    String childId = "tsk_" + HexFormat.of().formatHex(CanonicalJson.sha256()
        .digest((taskId + ".main#delegate-1").getBytes(StandardCharsets.UTF_8)), 0, 16);
    JsonNode child = await(childId, Set.of("COMPLETED", "FAILED"));
    assertEquals("FAILED", child.get("status").asText());
    assertTrue(child.get("steps").get(0).get("error").asText()
        .startsWith("BUDGET_EXCEEDED: the parent task's budget: the call may use up to"), child.toString());
    assertTrue(types(taskId).contains("BudgetRefused"), "the parent journals the refusal too");
    JsonNode step = parent.get("steps").get(0);
    assertEquals(1, step.get("attempts").asInt(), "the child's failure is final for the parent: no retries");
    assertTrue(step.get("error").asText().startsWith("delegated task " + childId + " (text.summarize) ended FAILED:"),
        step.toString());
  }

  @Test
  void aTaskThatWouldRunMoreStepsThanAllowedFailsAsARunaway() throws Exception {
    String taskId = submit("{\"workflow\": \"research-outreach\", \"input\": {\"company\": \"Acme Ltd\","
        + " \"contacts\": [\"a@acme.test\", \"b@acme.test\", \"c@acme.test\", \"d@acme.test\"]}}");
    JsonNode failed = await(taskId, Set.of("FAILED", "COMPLETED", "WAITING_APPROVAL"));
    assertEquals("FAILED", failed.get("status").asText(), failed.toString());
    assertEquals("RUNAWAY: the task would run more than 4 steps (troupe.tasks.max-steps)",
        failed.get("error").asText());
  }

  private static JsonNode event(String taskId, String type) throws Exception {
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + taskId, KEY)).get("events")) {
      if (event.get("type").asText().equals(type)) {
        return event.get("event");
      }
    }
    throw new AssertionError("no " + type + " in the journal of " + taskId);
  }

  @Test
  void anAgentCannotCallAToolItWasNotGrantedAndTheViolationIsJournaled() throws Exception {
    String taskId = submit("{\"capability\": \"test.rogue\", \"input\": {\"mode\": \"ungranted\"}}");
    JsonNode done = await(taskId, Set.of("COMPLETED", "FAILED"));
    assertEquals(true, done.get("output").get("refused").asBoolean(), done.toString());
    JsonNode refused = event(taskId, "ToolCalled");
    assertEquals("billing.trigger", refused.get("tool").asText());
    assertEquals("refused", refused.get("outcome").asText());
    assertEquals("agent rogue-1 was not granted the tool billing.trigger", refused.get("error").asText());
    assertTrue(java.nio.file.Files.notExists(dataDir.resolve("billing")), "the call never ran");
  }

  @Test
  void aStepThatRepeatsTheSameToolCallIsStoppedForGood() throws Exception {
    String taskId = submit("{\"capability\": \"test.rogue\", \"input\": {\"mode\": \"loop\"}}");
    JsonNode failed = await(taskId, Set.of("COMPLETED", "FAILED"));
    assertEquals("FAILED", failed.get("status").asText(), failed.toString());
    JsonNode step = failed.get("steps").get(0);
    assertEquals("RUNAWAY: tool crm.record was called 4 times with the same input in one step (the limit is 3)",
        step.get("error").asText());
    assertEquals(1, step.get("attempts").asInt(), "not retried");
  }

  @Test
  void anAgentOverItsRateLimitRefusesStepsAndSaysWhich() throws Exception {
    JsonNode first = await(submit("{\"capability\": \"test.rationed\", \"input\": {}}"),
        Set.of("COMPLETED", "FAILED"));
    assertEquals("COMPLETED", first.get("status").asText());
    JsonNode second = await(submit("{\"capability\": \"test.rationed\", \"input\": {}}"),
        Set.of("COMPLETED", "FAILED"));
    assertEquals("FAILED", second.get("status").asText());
    // The agent advertises itself BUSY at its limit, so the marketplace stops offering it; a step
    // that reaches it before the advert does is refused by the agent with the limit's name.
    String error = second.get("error").asText();
    assertTrue(error.contains("rationed-1 is BUSY") || error.contains("its limit is 1"), second.toString());
    int failures = 0;
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + second.get("taskId").asText(), KEY)).get("events")) {
      if (event.get("type").asText().equals("StepFailed")) {
        failures++;
        String reason = event.get("event").get("reason").asText();
        assertTrue(reason.contains("rationed-1 is BUSY")
            || reason.contains("accepted 1 steps in the last minute, its limit is 1"), reason);
      }
    }
    assertEquals(3, failures, "every attempt failed for the limit");
  }

  @Test
  void metricsCountWhatTheJournalSaysInPrometheusText() throws Exception {
    await(submit("{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Anvils are heavy.\"},"
        + " \"budget\": {\"maxTokens\": 5}}"), Set.of("FAILED"));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    HttpResponse<String> metrics = server.get("/metrics", null);
    // The metrics are counted from the journal as the directory folds it, which trails by a moment.
    while (!metrics.body().contains("troupe_tasks_finished_total{status=\"FAILED\"") && System.nanoTime() < deadline) {
      Thread.sleep(100);
      metrics = server.get("/metrics", null);
    }
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
    String body = metrics.body();
    for (String expected : List.of("troupe_tasks_submitted_total{tenant=\"default\"}",
        "troupe_tasks_finished_total{status=\"FAILED\",tenant=\"default\"}",
        "troupe_step_attempts_total{capability=\"text.summarize\",outcome=\"failed\"}",
        "troupe_step_duration_seconds_bucket{capability=\"text.summarize\"", "troupe_tasks_in_flight ",
        "troupe_approvals_pending ")) {
      assertTrue(body.contains(expected), expected + " in " + body);
    }
    double refusals = Double.parseDouble(body.lines().filter(l -> l.startsWith("troupe_budget_refusals_total "))
        .findFirst().orElseThrow().split(" ")[1]);
    assertTrue(refusals >= 1, body);
  }
}
