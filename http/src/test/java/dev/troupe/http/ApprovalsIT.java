package dev.troupe.http;

import static dev.troupe.http.TestServer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Human approval through the HTTP API on the real journal: list, read, approve (the action runs
 * once), reject (the step's policy), roles and tenants, deciding twice, and a restart while an
 * approval is pending.
 */
class ApprovalsIT {
  private static final String ADMIN = "approvals-admin-key-0001";
  private static final String SUBMITTER = "approvals-submitter-0001";
  private static final String APPROVER = "approvals-approver-00001";
  private static final String AUDITOR = "approvals-auditor-000001";
  private static final String OTHER_TENANT = "approvals-other-tenant-01";
  private static final String CONFIG = String.join("\n",
      "troupe.auth.admin-key = \"" + ADMIN + "\"",
      "troupe.auth.keys = [",
      "  { name = sam, sha256 = \"" + ApiKeys.sha256Hex(SUBMITTER) + "\", tenant = default, roles = [submitter] },",
      "  { name = ada, sha256 = \"" + ApiKeys.sha256Hex(APPROVER) + "\", tenant = default, roles = [approver] },",
      "  { name = aud, sha256 = \"" + ApiKeys.sha256Hex(AUDITOR) + "\", tenant = default, roles = [auditor] },",
      "  { name = eve, sha256 = \"" + ApiKeys.sha256Hex(OTHER_TENANT) + "\", tenant = other, roles = [approver] }",
      "]");

  @TempDir
  Path dataDir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String submit(String body) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", SUBMITTER, body);
    assertEquals(202, accepted.statusCode(), accepted.body());
    return json(accepted).get("taskId").asText();
  }

  private String onboard(String client) throws Exception {
    return submit("{\"workflow\": \"client-onboarding\", \"input\": {\"client\": \"" + client + "\","
        + " \"documents\": [\"" + client + " makes anvils.\"], \"monthlyFeeEur\": 4000}}");
  }

  private JsonNode awaitTask(String taskId, Predicate<JsonNode> done, String what) throws Exception {
    return poll("/v1/tasks/" + taskId, ADMIN, done, taskId + " " + what);
  }

  private JsonNode poll(String path, String key, Predicate<JsonNode> done, String what) throws Exception {
    return server.await(path, key, done, what);
  }

  private static Predicate<JsonNode> status(String status) {
    return task -> task.get("status").asText().equals(status);
  }

  /** The task's pending approvals as the approvals list shows them (it trails the journal). */
  private List<JsonNode> pendingOf(String taskId, int expected) throws Exception {
    JsonNode page = poll("/v1/approvals?status=PENDING", APPROVER, p -> itemsOf(p, taskId).size() == expected,
        expected + " pending approvals of " + taskId);
    return itemsOf(page, taskId);
  }

  private static List<JsonNode> itemsOf(JsonNode page, String taskId) {
    List<JsonNode> out = new ArrayList<>();
    page.get("items").forEach(item -> {
      if (item.get("taskId").asText().equals(taskId)) {
        out.add(item);
      }
    });
    return out;
  }

  private HttpResponse<String> decide(String approvalId, String verb, String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/v1/approvals/" + approvalId + "/" + verb))
        .header("Authorization", "Bearer " + key);
    if (body == null) {
      request.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }
    return server.send(request);
  }

  private List<String> timelineTypes(String taskId) throws Exception {
    List<String> types = new ArrayList<>();
    json(server.get("/v1/audit/tasks/" + taskId, AUDITOR)).get("events").forEach(e -> types.add(e.get("type").asText()));
    return types;
  }

  @Test
  void anApproverSeesTheProposalApprovesItOnceAndTheTaskFinishes() throws Exception {
    server = TestServer.start(dataDir, CONFIG);
    String taskId = onboard("Acme Ltd");
    awaitTask(taskId, status("WAITING_APPROVAL"), "waiting for approval");
    JsonNode approval = pendingOf(taskId, 1).get(0);
    String approvalId = approval.get("approvalId").asText();
    assertEquals("billing.trigger", approval.get("action").get("tool").asText());
    assertEquals(false, approval.get("action").get("reversible").asBoolean());
    assertEquals("Acme Ltd", approval.get("action").get("input").get("client").asText());
    assertTrue(approval.get("reason").asText().length() > 10, approval.toString());
    assertEquals("billing-clerk-1", approval.get("agentId").asText());
    assertFalse(approval.get("expiresAt").isNull());

    // Read by id: the approver and the auditor may; another tenant's approver finds nothing.
    assertEquals(200, server.get("/v1/approvals/" + approvalId, APPROVER).statusCode());
    assertEquals(200, server.get("/v1/approvals/" + approvalId, AUDITOR).statusCode());
    assertEquals(404, server.get("/v1/approvals/" + approvalId, OTHER_TENANT).statusCode());
    assertEquals(0, json(server.get("/v1/approvals", OTHER_TENANT)).get("items").size());
    assertEquals(403, server.get("/v1/approvals", SUBMITTER).statusCode());
    // Nobody but an approver of the tenant decides, and bad input changes nothing.
    assertEquals(403, decide(approvalId, "approve", SUBMITTER, null).statusCode());
    assertEquals(403, decide(approvalId, "approve", AUDITOR, null).statusCode());
    assertEquals(404, decide(approvalId, "approve", OTHER_TENANT, null).statusCode());
    assertEquals(404, decide("apr_nosuchtask_000000000000", "approve", APPROVER, null).statusCode());
    assertEquals(404, decide("not-an-approval", "approve", APPROVER, null).statusCode());
    assertEquals(400, decide(approvalId, "approve", APPROVER, "{\"comment\": 7}").statusCode());
    assertEquals(400, decide(approvalId, "approve", APPROVER, "{\"coment\": \"typo\"}").statusCode());
    assertEquals(400, decide(approvalId, "approve", APPROVER, "{not json").statusCode());
    assertEquals("PENDING", json(server.get("/v1/approvals/" + approvalId, APPROVER)).get("status").asText());

    HttpResponse<String> approved = decide(approvalId, "approve", APPROVER, "{\"comment\": \"fee agreed\"}");
    assertEquals(200, approved.statusCode(), approved.body());
    assertEquals("APPROVED", json(approved).get("status").asText());
    assertEquals("ada", json(approved).get("decidedBy").asText());
    assertEquals("fee agreed", json(approved).get("comment").asText());
    assertFalse(json(approved).get("decidedAt").isNull());

    HttpResponse<String> twice = decide(approvalId, "reject", APPROVER, null);
    assertEquals(409, twice.statusCode());
    assertTrue(twice.body().contains("already APPROVED by ada"), twice.body());

    JsonNode done = awaitTask(taskId, status("COMPLETED"), "completed");
    assertEquals(List.of(), List.copyOf(iterable(done.get("pendingApprovals"))));
    JsonNode billing = done.get("steps").get(4);
    assertEquals("COMPLETED", billing.get("status").asText());
    assertEquals(true, billing.get("output").get("approved").asBoolean());
    // The action ran exactly once: one billing record, written by the tool.
    try (Stream<Path> records = Files.list(dataDir.resolve("billing"))) {
      assertEquals(1, records.count());
    }
    List<String> types = timelineTypes(taskId);
    assertTrue(types.containsAll(List.of("ApprovalRequested", "ApprovalGranted", "ApprovedActionRan")), types.toString());
    JsonNode granted = null;
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + taskId, AUDITOR)).get("events")) {
      if (event.get("type").asText().equals("ApprovalGranted")) {
        granted = event;
      }
    }
    assertEquals("human", granted.get("stamp").get("actor").get("kind").asText().toLowerCase());
    assertEquals("ada", granted.get("stamp").get("actor").get("id").asText());
    assertEquals("fee agreed", granted.get("event").get("comment").asText());
    JsonNode verified = json(server.get("/v1/audit/tasks/" + taskId + "/verify", AUDITOR));
    assertTrue(verified.get("ok").asBoolean(), verified + " in " + server.get("/v1/audit/tasks/" + taskId, AUDITOR).body());
    // The list shows the decision too.
    poll("/v1/approvals?status=APPROVED", APPROVER, p -> itemsOf(p, taskId).size() == 1, "listed as approved");
  }

  @Test
  void rejectingOneMessageSkipsItAndTheOutreachGoesOnWhileARejectedBillingFailsItsTask() throws Exception {
    server = TestServer.start(dataDir, CONFIG);
    String outreach = submit("{\"workflow\": \"research-outreach\", \"input\": {\"company\": \"Acme Ltd\","
        + " \"contacts\": [\"a@acme.test\", \"b@acme.test\"], \"notes\": \"Acme makes anvils.\"}}");
    List<JsonNode> sends = pendingOf(outreach, 2);
    JsonNode toB = sends.stream().filter(a -> a.get("action").get("input").get("to").asText().equals("b@acme.test"))
        .findFirst().orElseThrow();
    JsonNode toA = sends.stream().filter(a -> a != toB).findFirst().orElseThrow();
    assertEquals(200, decide(toB.get("approvalId").asText(), "reject", APPROVER, "{\"comment\": \"not b\"}")
        .statusCode());
    assertEquals(200, decide(toA.get("approvalId").asText(), "approve", APPROVER, null).statusCode());
    JsonNode done = awaitTask(outreach, status("COMPLETED"), "completed");
    List<String> steps = new ArrayList<>();
    done.get("steps").forEach(s -> steps.add(s.get("name").asText() + ":" + s.get("status").asText()));
    assertEquals(List.of("research:COMPLETED", "draft:COMPLETED", "draft:COMPLETED", "send:COMPLETED",
        "send:SKIPPED", "report:COMPLETED"), sortedSends(steps));
    try (Stream<Path> outbox = Files.list(dataDir.resolve("outbox"))) {
      assertEquals(1, outbox.count(), "only the approved message was sent");
    }
    // Redaction: the approver saw the real address; the journaled call and the client's view are masked.
    JsonNode ran = null;
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + outreach, AUDITOR)).get("events")) {
      if (event.get("type").asText().equals("ApprovedActionRan")) {
        ran = event.get("event");
      }
    }
    assertEquals("[REDACTED:email]", ran.get("input").get("to").asText());
    assertEquals("input: email x1", ran.get("redactions").get(0).asText());
    String clientView = server.get("/v1/tasks/" + outreach, SUBMITTER).body();
    assertTrue(!clientView.contains("a@acme.test") && !clientView.contains("b@acme.test"), clientView);
    assertTrue(clientView.contains("[REDACTED:email]"), clientView);
    // The event stream of the finished task (it ends after the final event) is masked the same way.
    String stream = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks/" + outreach + "/events"))
        .header("Authorization", "Bearer " + SUBMITTER).GET()).body();
    assertTrue(stream.contains("event: TaskCompleted"), stream);
    assertTrue(!stream.contains("a@acme.test") && !stream.contains("b@acme.test"), stream);
    assertTrue(stream.contains("[REDACTED:email]"));

    String onboarding = onboard("Acme Ltd");
    String billing = pendingOf(onboarding, 1).get(0).get("approvalId").asText();
    HttpResponse<String> rejected = decide(billing, "reject", APPROVER, "{\"comment\": \"wrong fee\"}");
    assertEquals("REJECTED", json(rejected).get("status").asText());
    JsonNode failed = awaitTask(onboarding, status("FAILED"), "failed");
    assertTrue(failed.get("error").asText().contains("rejected by ada: wrong fee"), failed.toString());
    assertTrue(Files.notExists(dataDir.resolve("billing")) || isEmpty(dataDir.resolve("billing")));
  }

  @Test
  void aPendingApprovalSurvivesARestartAndIsDecidedAfterIt() throws Exception {
    server = TestServer.start(dataDir, CONFIG);
    String taskId = onboard("Acme Ltd");
    String approvalId = pendingOf(taskId, 1).get(0).get("approvalId").asText();
    server.close();
    server = null;

    server = TestServer.start(dataDir, CONFIG);
    // Rebuilt from the journal: the task still waits and the list still shows it.
    assertEquals("WAITING_APPROVAL", json(server.get("/v1/tasks/" + taskId, ADMIN)).get("status").asText());
    assertEquals(approvalId, pendingOf(taskId, 1).get(0).get("approvalId").asText());
    assertEquals(200, decide(approvalId, "approve", APPROVER, null).statusCode());
    awaitTask(taskId, status("COMPLETED"), "completed after the restart");
    try (Stream<Path> records = Files.list(dataDir.resolve("billing"))) {
      assertEquals(1, records.count());
    }
  }

  @Test
  void theTaskListPagesNewestFirstAndFiltersByStatus() throws Exception {
    server = TestServer.start(dataDir, CONFIG + "\ntroupe.http.metrics-require-key = on");
    // Metrics behind a key, when so configured: auditors and admins only.
    assertEquals(401, server.get("/metrics", null).statusCode());
    assertEquals(403, server.get("/metrics", SUBMITTER).statusCode());
    assertEquals(200, server.get("/metrics", AUDITOR).statusCode());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(submit("{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Note " + i + ". More.\"}}"));
    }
    for (String id : ids) {
      awaitTask(id, status("COMPLETED"), "completed");
    }
    poll("/v1/tasks?status=COMPLETED", SUBMITTER, p -> p.get("items").size() == 5, "5 listed");
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = json(server.get("/v1/tasks?status=COMPLETED&limit=2" + (cursor == null ? "" : "&cursor="
          + cursor), SUBMITTER));
      assertTrue(page.get("items").size() <= 2);
      page.get("items").forEach(item -> seen.add(item.get("taskId").asText()));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
    } while (cursor != null);
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertEquals(newestFirst, seen);
    assertEquals(0, json(server.get("/v1/tasks?status=RUNNING", SUBMITTER)).get("items").size());
    assertEquals(0, json(server.get("/v1/tasks", OTHER_TENANT)).get("items").size());
    assertEquals(400, server.get("/v1/tasks?status=DONE", SUBMITTER).statusCode());
    assertEquals(400, server.get("/v1/tasks?limit=0", SUBMITTER).statusCode());
    assertEquals(400, server.get("/v1/tasks?limit=201", SUBMITTER).statusCode());
    assertEquals(400, server.get("/v1/tasks?cursor=bogus!", SUBMITTER).statusCode());
    // A well-formed cursor whose instant does not exist.
    assertEquals(400, server.get("/v1/tasks?cursor=OTI2MzM3MjAzNjg1NDc3NTgwNzoxMDAwMDAwMDAwOng", SUBMITTER)
        .statusCode());
    assertEquals(400, server.get("/v1/approvals?cursor=OTI2MzM3MjAzNjg1NDc3NTgwNzoxMDAwMDAwMDAwOng", APPROVER)
        .statusCode());
    assertEquals(400, server.get("/v1/tasks?stauts=RUNNING", SUBMITTER).statusCode());
  }

  /** Runs of a fan-out finish in any order; compare them as a set within their step. */
  private static List<String> sortedSends(List<String> steps) {
    List<String> out = new ArrayList<>(steps);
    out.sort((a, b) -> a.startsWith("send:") && b.startsWith("send:") ? a.compareTo(b) : 0);
    return out;
  }

  private static boolean isEmpty(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.findAny().isEmpty();
    }
  }

  private static List<JsonNode> iterable(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  @Test
  void anApprovalNobodyDecidesExpiresByPolicyAsARejectionOrAnEscalation() throws Exception {
    server = TestServer.start(dataDir, CONFIG + "\ntroupe.tasks.approval-expiry = 1s");
    String rejected = onboard("Acme Ltd");
    // Read from the task itself: the approvals list may trail the journal longer than the expiry.
    String first = awaitTask(rejected, t -> t.get("approvals").size() == 1, "an approval requested")
        .get("approvals").get(0).get("approvalId").asText();
    JsonNode failed = awaitTask(rejected, status("FAILED"), "failed on expiry");
    assertTrue(failed.get("error").asText().contains("expired without a decision"), failed.toString());
    JsonNode expired = json(server.get("/v1/approvals/" + first, APPROVER));
    assertEquals("EXPIRED", expired.get("status").asText());
    assertTrue(expired.get("outcome").asText().contains("counts as rejected"), expired.toString());
    assertEquals(409, decide(first, "approve", APPROVER, null).statusCode(), "too late to decide");
    server.close();
    server = null;

    server = TestServer.start(dataDir, CONFIG + "\ntroupe.tasks.approval-expiry = 1s\n"
        + "troupe.tasks.on-approval-expiry = escalate");
    String escalated = onboard("Globex Corp");
    JsonNode stopped = awaitTask(escalated, status("ESCALATED"), "escalated on expiry");
    assertTrue(stopped.get("error").asText().contains("expired"), stopped.toString());
    // Guidance lets the agent propose again: a new approval, as the step's next attempt.
    assertEquals(202, server.postJson("/v1/tasks/" + escalated + "/guidance", APPROVER,
        "{\"text\": \"Propose it again; I am here now.\"}").statusCode());
    awaitTask(escalated, t -> t.get("pendingApprovals").size() == 1, "proposed again");
  }

  @Test
  void aStepMarkedForReviewWaitsForAHumanAndItsApprovedOutputIsTheTasks() throws Exception {
    server = TestServer.start(dataDir, CONFIG);
    HttpResponse<String> put = server.send(HttpRequest.newBuilder(server.uri("/v1/workflows/reviewed-summary"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"steps\": [{\"id\": \"sum\", \"capability\": "
            + "\"text.summarize\", \"review\": true, \"input\": {\"text\": \"${input.text}\"}}]}")));
    assertEquals(201, put.statusCode(), put.body());
    String taskId = submit("{\"workflow\": \"reviewed-summary\", \"input\": {\"text\": \"Anvils are heavy."
        + " They are made of steel.\"}}");
    JsonNode review = pendingOf(taskId, 1).get(0);
    assertEquals("review", review.get("kind").asText());
    assertTrue(review.get("action").isNull());
    assertTrue(review.get("output").get("summary").asText().startsWith("Anvils are heavy."), review.toString());
    assertEquals("step sum is marked for human review", review.get("reason").asText());
    assertEquals(200, decide(review.get("approvalId").asText(), "approve", APPROVER, null).statusCode());
    JsonNode done = awaitTask(taskId, status("COMPLETED"), "completed");
    assertEquals(review.get("output"), done.get("output"));
  }

  @Test
  void aReversibleToolConfiguredToNeedApprovalIsOnlyEverProposed() throws Exception {
    server = TestServer.start(dataDir, CONFIG + "\ntroupe.agents.tools-needing-approval = [\"crm.record\"]\n"
        + "troupe.agents.registrations = [ { class = \"dev.troupe.agents.RogueAgent\" } ]");
    String direct = submit("{\"capability\": \"test.rogue\", \"input\": {\"mode\": \"crm\"}}");
    JsonNode refused = awaitTask(direct, status("COMPLETED"), "completed");
    assertEquals(true, refused.get("output").get("refused").asBoolean());
    assertTrue(server.get("/v1/audit/tasks/" + direct, AUDITOR).body()
        .contains("tool crm.record needs a human's approval"));
    assertTrue(Files.notExists(dataDir.resolve("crm")), "the direct call never ran");

    String proposed = submit("{\"capability\": \"test.rogue\", \"input\": {\"mode\": \"propose-crm\"}}");
    JsonNode approval = pendingOf(proposed, 1).get(0);
    assertEquals(true, approval.get("action").get("reversible").asBoolean());
    assertEquals(200, decide(approval.get("approvalId").asText(), "approve", APPROVER, null).statusCode());
    awaitTask(proposed, status("COMPLETED"), "completed after approval");
    try (Stream<Path> records = Files.list(dataDir.resolve("crm"))) {
      assertEquals(1, records.count());
    }
  }
}
