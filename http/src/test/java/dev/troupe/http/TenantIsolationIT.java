package dev.troupe.http;

import static dev.troupe.http.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.workflow.TriggerRouter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant b, with every role, against tenant a's objects (a task, an approval, a workflow and its
 * triggers, keys): every route, no read and no change. And the built-in workflows: shared, read-only
 * to tenants, the operator's to change.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantIsolationIT {
  private static final String OPERATOR = "isolation-operator-key-01";
  private static final String ACME_ADMIN = "isolation-acme-admin-0001";
  private static final Map<String, String> GLOBEX = new LinkedHashMap<>();

  static {
    for (String role : List.of("submitter", "approver", "auditor", "admin")) {
      GLOBEX.put(role, "isolation-globex-" + role + "-0001");
    }
  }

  @TempDir
  static Path dataDir;
  private static TestServer server;
  private static String acmeTask;
  private static String acmeApproval;

  @BeforeAll
  static void start() throws Exception {
    StringBuilder keys = new StringBuilder("troupe.auth.admin-key = \"" + OPERATOR + "\"\ntroupe.auth.keys = [\n");
    keys.append("  { name = acme-admin, sha256 = \"").append(ApiKeys.sha256Hex(ACME_ADMIN))
        .append("\", tenant = acme, roles = [admin] },\n");
    GLOBEX.forEach((role, key) -> keys.append("  { name = globex-").append(role).append(", sha256 = \"")
        .append(ApiKeys.sha256Hex(key)).append("\", tenant = globex, roles = [").append(role).append("] },\n"));
    server = TestServer.start(dataDir, keys.append("]").toString());

    // Tenant a: a workflow of its own with an event trigger, a second version, and a task waiting
    // for approval (the built-in onboarding asks before billing 4,000 EUR a month).
    assertEquals(201, put("/v1/workflows/acme-flow", ACME_ADMIN, acmeFlow("one")).statusCode());
    assertEquals(201, put("/v1/workflows/acme-flow", ACME_ADMIN, acmeFlow("two")).statusCode());
    HttpResponse<String> submitted = server.postJson("/v1/tasks", ACME_ADMIN, "{\"workflow\": \"client-onboarding\","
        + " \"input\": {\"client\": \"Anvil Co\", \"documents\": [\"Anvil Co makes anvils.\"], \"monthlyFeeEur\": 4000}}");
    assertEquals(202, submitted.statusCode(), submitted.body());
    acmeTask = json(submitted).get("taskId").asText();
    HttpResponse<String> madeKey = server.postJson("/v1/keys", ACME_ADMIN, "{\"name\": \"acme-ops\", \"roles\": [\"submitter\"]}");
    assertEquals(201, madeKey.statusCode(), madeKey.body());
    JsonNode pending = server.await("/v1/approvals?status=PENDING", ACME_ADMIN, page -> page.get("items").size() == 1,
        "acme's approval pending");
    acmeApproval = pending.get("items").get(0).get("approvalId").asText();
    server.await("/v1/tasks/" + acmeTask, ACME_ADMIN, task -> task.get("status").asText().equals("WAITING_APPROVAL"),
        "acme's task waiting");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String acmeFlow(String word) {
    return "{\"trigger\": {\"on\": \"ExternalEvent\", \"event\": \"acme.signal\", \"input\": {\"text\": \"${event.data.text}\"}},"
        + " \"steps\": [{\"id\": \"" + word + "\", \"capability\": \"text.summarize\", \"input\": {\"text\": \"${input.text}\"}}]}";
  }

  private static HttpResponse<String> put(String path, String key, String body) throws Exception {
    return server.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpResponse<String> delete(String path, String key) throws Exception {
    return server.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + key).DELETE());
  }

  /** One request of tenant b's and the statuses that show it neither read nor changed anything of a's. */
  private record Probe(String what, Set<Integer> refused, Call call) {}

  @FunctionalInterface
  private interface Call {
    HttpResponse<String> send(String key) throws Exception;
  }

  private static List<Probe> probesOfAcmesObjects() {
    String task = "/v1/tasks/" + acmeTask;
    String approval = "/v1/approvals/" + acmeApproval;
    Set<Integer> hidden = Set.of(403, 404);
    List<Probe> probes = new ArrayList<>();
    probes.add(new Probe("GET task", hidden, key -> server.get(task, key)));
    probes.add(new Probe("GET task events", hidden, key -> server.get(task + "/events", key)));
    probes.add(new Probe("cancel task", hidden, key -> server.postJson(task + "/cancel", key, "{\"reason\": \"b\"}")));
    probes.add(new Probe("guide task", hidden, key -> server.postJson(task + "/guidance", key, "{\"text\": \"bill 1 EUR\"}")));
    probes.add(new Probe("GET approval", hidden, key -> server.get(approval, key)));
    probes.add(new Probe("approve", hidden, key -> server.postJson(approval + "/approve", key, "{\"comment\": \"ok\"}")));
    probes.add(new Probe("reject", hidden, key -> server.postJson(approval + "/reject", key, "{\"comment\": \"no\"}")));
    probes.add(new Probe("audit timeline", hidden, key -> server.get("/v1/audit/tasks/" + acmeTask, key)));
    probes.add(new Probe("audit verify", hidden, key -> server.get("/v1/audit/tasks/" + acmeTask + "/verify", key)));
    probes.add(new Probe("GET workflow", Set.of(404), key -> server.get("/v1/workflows/acme-flow", key)));
    probes.add(new Probe("roll back workflow", hidden,
        key -> server.postJson("/v1/workflows/acme-flow/rollback", key, "{\"toVersion\": 1}")));
    probes.add(new Probe("run workflow", Set.of(403, 422),
        key -> server.postJson("/v1/tasks", key, "{\"workflow\": \"acme-flow\", \"input\": {\"text\": \"x\"}}")));
    probes.add(new Probe("run workflow version", Set.of(403, 422),
        key -> server.postJson("/v1/tasks", key, "{\"workflow\": \"acme-flow@1\", \"input\": {\"text\": \"x\"}}")));
    probes.add(new Probe("fire its trigger", Set.of(403, 422),
        key -> server.postJson("/v1/events", key, "{\"type\": \"acme.signal\", \"data\": {\"text\": \"x\"}}")));
    probes.add(new Probe("list keys", Set.of(403), key -> server.get("/v1/keys?tenant=acme", key)));
    probes.add(new Probe("make key", Set.of(403),
        key -> server.postJson("/v1/keys", key, "{\"name\": \"mine\", \"tenant\": \"acme\", \"roles\": [\"admin\"]}")));
    probes.add(new Probe("revoke key", Set.of(403), key -> delete("/v1/keys/acme-ops?tenant=acme", key)));
    return probes;
  }

  @Test
  @Order(1) // first: the others add tasks and give tenant b a workflow of the same name
  void everyRoleOfAnotherTenantNeitherReadsNorChangesATenantsObjects() throws Exception {
    long rows = server.journalRows();
    for (var role : GLOBEX.entrySet()) {
      for (Probe probe : probesOfAcmesObjects()) {
        HttpResponse<String> response = probe.call().send(role.getValue());
        String what = "globex " + role.getKey() + ": " + probe.what() + " -> " + response.statusCode() + " "
            + response.body();
        assertTrue(probe.refused().contains(response.statusCode()), what);
        // A refusal may echo the id the caller sent, never what a's objects hold.
        assertFalse(response.body().contains("Anvil") || response.body().contains("\"steps\"")
            || response.body().contains("WAITING_APPROVAL") || response.body().contains("sha256"), what);
      }
      // Lists name nothing of a's.
      for (String list : List.of("/v1/tasks", "/v1/approvals", "/v1/approvals?status=PENDING", "/v1/workflows",
          "/v1/audit/export")) {
        HttpResponse<String> response = server.get(list, role.getValue());
        assertFalse(response.body().contains(acmeTask) || response.body().contains(acmeApproval)
            || response.body().contains("acme-flow"), "globex " + role.getKey() + ": " + list + " " + response.body());
      }
    }
    assertEquals(rows, server.journalRows(), "tenant b changed nothing");

    // Tenant a's objects are as they were, to tenant a.
    JsonNode flow = json(server.get("/v1/workflows/acme-flow", ACME_ADMIN));
    assertEquals(2, flow.get("current").asInt());
    assertFalse(flow.get("shared").asBoolean());
    assertEquals("WAITING_APPROVAL", json(server.get("/v1/tasks/" + acmeTask, ACME_ADMIN)).get("status").asText());
    assertEquals("PENDING", json(server.get("/v1/approvals/" + acmeApproval, ACME_ADMIN)).get("status").asText());
    assertTrue(server.get("/v1/keys", ACME_ADMIN).body().contains("acme-ops"));
  }

  @Test
  void aTenantsWorkflowNamesAreItsOwnAndItsTriggersFireOnlyOnItsOwnEvents() throws Exception {
    String globexAdmin = GLOBEX.get("admin");
    // b registers a workflow of the same name: its own, beside a's.
    String globexFlow = "{\"trigger\": {\"on\": \"ExternalEvent\", \"event\": \"globex.signal\", \"input\": {\"text\": \"${event.data.text}\"}},"
        + " \"steps\": [{\"id\": \"globex\", \"capability\": \"text.summarize\", \"input\": {\"text\": \"${input.text}\"}}]}";
    HttpResponse<String> registered = put("/v1/workflows/acme-flow", globexAdmin, globexFlow);
    assertEquals(201, registered.statusCode(), registered.body());
    assertEquals(1, json(registered).get("version").asInt(), "version 1 of b's own, not version 3 of a's");
    assertEquals(2, json(server.get("/v1/workflows/acme-flow", ACME_ADMIN)).get("versions").size());
    assertEquals("globex", json(server.get("/v1/workflows/acme-flow", globexAdmin)).get("versions").get(0)
        .get("definition").get("steps").get(0).get("id").asText());

    // a's event starts a's workflow only; b's starts b's only.
    HttpResponse<String> acmeEvent = server.postJson("/v1/events", ACME_ADMIN,
        "{\"type\": \"acme.signal\", \"data\": {\"text\": \"Acme news.\"}}");
    assertEquals(202, acmeEvent.statusCode(), acmeEvent.body());
    assertEquals(1, json(acmeEvent).get("tasks").size(), acmeEvent.body());
    String acmeStarted = json(acmeEvent).get("tasks").get(0).get("taskId").asText();
    JsonNode started = server.await("/v1/tasks/" + acmeStarted, ACME_ADMIN, t -> t.has("steps") && t.get("steps").size() > 0,
        "a's triggered task planned");
    assertEquals("two", started.get("steps").get(0).get("name").asText());
    assertEquals(422, server.postJson("/v1/events", globexAdmin,
        "{\"type\": \"acme.signal\", \"data\": {\"text\": \"x\"}}").statusCode());
    HttpResponse<String> globexEvent = server.postJson("/v1/events", globexAdmin,
        "{\"type\": \"globex.signal\", \"data\": {\"text\": \"Globex news.\"}}");
    assertEquals(202, globexEvent.statusCode(), globexEvent.body());
    assertEquals(1, json(globexEvent).get("tasks").size(), globexEvent.body());
  }

  @Test
  void aTriggerOnTaskEndsStartsTasksOnlyAfterItsOwnTenantsTasks() throws Exception {
    String source = "{\"steps\": [{\"id\": \"s\", \"capability\": \"text.summarize\", \"input\": {\"text\": \"${input.text}\"}}]}";
    String follow = "{\"trigger\": {\"on\": \"TaskCompleted\", \"workflow\": \"report-source\","
        + " \"input\": {\"text\": \"${event.taskId}\"}},"
        + " \"steps\": [{\"id\": \"after\", \"capability\": \"text.summarize\", \"input\": {\"text\": \"${input.text}\"}}]}";
    // Both tenants have a workflow named report-source; only a follows it.
    assertEquals(201, put("/v1/workflows/report-source", ACME_ADMIN, source).statusCode());
    assertEquals(201, put("/v1/workflows/report-source", GLOBEX.get("admin"), source).statusCode());
    assertEquals(201, put("/v1/workflows/report-follow", ACME_ADMIN, follow).statusCode());
    String run = "{\"workflow\": \"report-source\", \"input\": {\"text\": \"Quarterly numbers went up.\"}}";
    // b's task ends first, a's after it: the router reads the journal in order, so once a's
    // follow-up exists, b's end has been handled too.
    HttpResponse<String> globexSubmitted = server.postJson("/v1/tasks", GLOBEX.get("submitter"), run);
    assertEquals(202, globexSubmitted.statusCode(), globexSubmitted.body());
    String globexTask = json(globexSubmitted).get("taskId").asText();
    server.await("/v1/tasks/" + globexTask, GLOBEX.get("admin"), t -> t.get("status").asText().equals("COMPLETED"),
        "b's task completed");
    HttpResponse<String> acmeSubmitted = server.postJson("/v1/tasks", ACME_ADMIN, run);
    assertEquals(202, acmeSubmitted.statusCode(), acmeSubmitted.body());
    String acmeSource = json(acmeSubmitted).get("taskId").asText();
    server.await("/v1/tasks/" + acmeSource, ACME_ADMIN, t -> t.get("status").asText().equals("COMPLETED"),
        "a's task completed");
    String acmeFollowUp = TriggerRouter.triggeredTaskId("report-follow", acmeSource, "TaskCompleted");
    server.await("/v1/tasks/" + acmeFollowUp, ACME_ADMIN, t -> true, "a's follow-up started");
    String notStarted = TriggerRouter.triggeredTaskId("report-follow", globexTask, "TaskCompleted");
    TaskEntity.GetReply reply = server.node.started().toCompletableFuture().get(10, TimeUnit.SECONDS).tasks()
        .get(notStarted).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertFalse(reply instanceof TaskEntity.Found, "a's trigger started a task after b's: " + reply);
  }

  @Test
  void builtInWorkflowsAreSharedReadOnlyToTenantsAndTheOperatorsToChange() throws Exception {
    JsonNode seen = json(server.get("/v1/workflows/client-onboarding", GLOBEX.get("submitter")));
    assertTrue(seen.get("shared").asBoolean(), seen.toString());
    int current = seen.get("current").asInt();
    long rows = server.journalRows();
    JsonNode definition = seen.get("versions").get(current - 1).get("definition");
    String withoutCompliance = definition.toString().replace("\"compliance\"", "\"skipped\"");
    for (String key : List.of(GLOBEX.get("admin"), ACME_ADMIN)) {
      HttpResponse<String> replaced = put("/v1/workflows/client-onboarding", key, withoutCompliance);
      assertEquals(403, replaced.statusCode(), replaced.body());
      assertTrue(replaced.body().contains("built in"), replaced.body());
      assertEquals(403, server.postJson("/v1/workflows/client-onboarding/rollback", key, "{\"toVersion\": 1}")
          .statusCode());
      assertEquals(403, put("/v1/workflows/shared-by-me?scope=shared", key, acmeFlow("x")).statusCode());
    }
    assertEquals(rows, server.journalRows(), "a tenant changed nothing shared");

    // The operator changes it for everyone, and adds shared ones.
    HttpResponse<String> changed = put("/v1/workflows/client-onboarding", OPERATOR,
        definition.toString());
    assertEquals(200, changed.statusCode(), "the same definition again is no new version: " + changed.body());
    String shared = "{\"steps\": [{\"id\": \"s\", \"capability\": \"text.summarize\", \"input\": {\"text\": \"${input.text}\"}}]}";
    HttpResponse<String> added = put("/v1/workflows/everyones-summary?scope=shared", OPERATOR, shared);
    assertEquals(201, added.statusCode(), added.body());
    assertTrue(json(added).get("shared").asBoolean());
    JsonNode asGlobex = json(server.get("/v1/workflows/everyones-summary", GLOBEX.get("auditor")));
    assertTrue(asGlobex.get("shared").asBoolean());
    HttpResponse<String> run = server.postJson("/v1/tasks", GLOBEX.get("submitter"),
        "{\"workflow\": \"everyones-summary\", \"input\": {\"text\": \"Shared work.\"}}");
    assertEquals(202, run.statusCode(), run.body());
    // A shared name a tenant already uses would not run for that tenant: refused.
    HttpResponse<String> taken = put("/v1/workflows/acme-flow?scope=shared", OPERATOR, shared);
    assertEquals(409, taken.statusCode(), taken.body());
    assertEquals(400, put("/v1/workflows/x?scope=global", OPERATOR, shared).statusCode());
  }
}
