package dev.troupe.http;

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
        "troupe.tasks.retry-backoff = 50ms"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return ApiJson.MAPPER.readTree(response.body());
  }

  private static String submit(String body) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", KEY, body);
    assertEquals(202, accepted.statusCode(), accepted.body());
    return json(accepted).get("taskId").asText();
  }

  private static JsonNode await(String taskId, Set<String> statuses) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode task = null;
    while (System.nanoTime() < deadline) {
      task = json(server.get("/v1/tasks/" + taskId, KEY));
      if (statuses.contains(task.get("status").asText())) {
        return task;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(taskId + " never reached " + statuses + ": " + task);
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
    assertTrue(types.indexOf("BudgetReserved") < types.indexOf("BudgetSettled"), types.toString());
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
}
