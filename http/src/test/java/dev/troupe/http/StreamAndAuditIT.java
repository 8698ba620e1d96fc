package dev.troupe.http;

import static dev.troupe.http.TestServer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.persistence.AuditHasher;
import dev.troupe.persistence.JournalAudit;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live progress over SSE, the audit routes, and the marketplace's agents and capabilities. */
class StreamAndAuditIT {
  private static final String ADMIN = "stream-admin-key-000001";
  private static final String AUDITOR = "stream-auditor-key-0001";
  private static final String ACME = "stream-acme-key-0000001";
  private static final String SUBMITTER = "stream-submitter-key-01";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.http.sse-heartbeat = 300ms",
        "troupe.auth.admin-key = \"" + ADMIN + "\"",
        "troupe.auth.keys = [",
        "  { name = auditor, sha256 = \"" + ApiKeys.sha256Hex(AUDITOR) + "\", roles = [auditor] },",
        "  { name = submitter, sha256 = \"" + ApiKeys.sha256Hex(SUBMITTER) + "\", roles = [submitter] },",
        "  { name = acme, sha256 = \"" + ApiKeys.sha256Hex(ACME) + "\", tenant = acme, roles = [admin] }",
        "]"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String submit(String key, String body) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", key, body);
    assertEquals(202, accepted.statusCode(), accepted.body());
    return json(accepted).get("taskId").asText();
  }

  /** One SSE event as received. */
  record Sse(String id, String type, JsonNode data) {}

  /** Reads the stream until it ends (or {@code limit} passes), parsing its events. */
  private static List<Sse> stream(String taskId, String lastEventId, Duration limit, List<String> rawLines)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/v1/tasks/" + taskId + "/events"))
        .header("Authorization", "Bearer " + ADMIN).header("Accept", "text/event-stream").timeout(limit);
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response = server.client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
        .get(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    List<Sse> events = new ArrayList<>();
    String id = null;
    String type = null;
    StringBuilder data = new StringBuilder();
    long deadline = System.nanoTime() + limit.toNanos();
    var lines = response.body().iterator();
    try {
      while (System.nanoTime() < deadline && lines.hasNext()) {
        String line = lines.next();
        rawLines.add(line);
        if (line.startsWith("id:")) {
          id = line.substring(3).strip();
        } else if (line.startsWith("event:")) {
          type = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).strip());
        } else if (line.isEmpty() && data.length() > 0) {
          events.add(new Sse(id, type, ApiJson.MAPPER.readTree(data.toString())));
          data.setLength(0);
        }
      }
    } catch (java.io.UncheckedIOException timedOut) {
      // the limit passed while the stream stayed open
    }
    return events;
  }

  @Test
  void aTasksEventsStreamHistoryThenLiveAndEndAfterTheFinalEvent() throws Exception {
    String taskId = submit(ADMIN, "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Streamed. Live.\"}}");
    List<Sse> events = stream(taskId, null, Duration.ofSeconds(15), new ArrayList<>());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "ModelCalled", "StepCompleted", "TaskCompleted"),
        events.stream().map(Sse::type).toList(), "and the stream ended by itself");
    // The model call is the agent's (read from its journal, sent before the step's outcome): it has
    // no id of its own, so a client's last event id stays at the task's event before it.
    assertEquals(Arrays.asList("1", "2", "3", "3", "4", "5"), events.stream().map(Sse::id).toList());
    assertTrue(events.get(3).data().get("persistenceId").asText().startsWith("Agent|summarizer-"));
    JsonNode completed = events.get(5).data();
    assertEquals("Streamed. Live.", completed.get("event").get("output").get("summary").asText());
    assertTrue(completed.get("stamp").get("hash").asText().matches("[0-9a-f]{64}"));

    List<Sse> resumed = stream(taskId, "3", Duration.ofSeconds(15), new ArrayList<>());
    assertEquals(List.of("ModelCalled", "StepCompleted", "TaskCompleted"), resumed.stream().map(Sse::type).toList(),
        "resumed after Last-Event-ID, the step's calls with its outcome");
    assertEquals(Arrays.asList(null, "4", "5"), resumed.stream().map(Sse::id).toList());
    assertEquals(List.of(), stream(taskId, "5", Duration.ofSeconds(5), new ArrayList<>()), "nothing after the end");
  }

  @Test
  void aWaitingTasksStreamStaysOpenWithHeartbeats() throws Exception {
    String taskId = submit(ADMIN, "{\"capability\": \"billing.start\", \"input\": {\"client\": \"Acme\"}}");
    List<String> raw = new ArrayList<>();
    List<Sse> events = stream(taskId, null, Duration.ofMillis(2500), raw);
    assertTrue(events.stream().anyMatch(e -> e.type().equals("ApprovalRequested")), events.toString());
    assertTrue(raw.stream().filter(": heartbeat"::equals).count() >= 2, "heartbeat comments while idle: " + raw);
  }

  @Test
  void anotherTenantsStreamDoesNotExist() throws Exception {
    String taskId = submit(ADMIN, "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Mine.\"}}");
    assertEquals(404, server.get("/v1/tasks/" + taskId + "/events", ACME).statusCode());
    assertEquals(400, server.send(HttpRequest.newBuilder(server.uri("/v1/tasks/" + taskId + "/events"))
        .header("Authorization", "Bearer " + ADMIN).header("Last-Event-ID", "x")).statusCode());
  }

  @Test
  void auditorsReadTimelinesVerifyChainsAndExportTheirTenant() throws Exception {
    String taskId = submit(ADMIN, "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Audit me.\"}}");
    String otherTenant = submit(ACME, "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Not yours.\"}}");
    stream(taskId, null, Duration.ofSeconds(15), new ArrayList<>()); // until it finished
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!json(server.get("/v1/tasks/" + otherTenant, ACME)).get("status").asText().equals("COMPLETED")
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }

    JsonNode timeline = json(server.get("/v1/audit/tasks/" + taskId, AUDITOR));
    JsonNode events = timeline.get("events");
    assertEquals(6, events.size());
    assertEquals("human", events.get(0).get("stamp").get("actor").get("kind").asText());
    assertEquals("admin", events.get(0).get("stamp").get("actor").get("id").asText());
    assertEquals("local", events.get(3).get("event").get("model").asText(), "model calls are in the timeline");
    // Why the marketplace chose the agent: whom it weighed, and the reason.
    JsonNode choice = events.get(2).get("event").get("choice");
    assertEquals("StepStarted", events.get(2).get("type").asText());
    assertEquals(events.get(2).get("event").get("agentId"), choice.get("candidates").get(0).get("agentId"));
    assertTrue(choice.get("candidates").size() >= 2 && choice.get("candidates").get(0).has("reputation"),
        choice.toString());
    assertTrue(choice.get("why").asText().startsWith("reputation "), choice.toString());
    assertTrue(events.get(3).get("persistenceId").asText().startsWith("Agent|summarizer-"),
        "read from the agent's journal: " + events.get(3));
    assertEquals("StepRan", events.get(3).get("recordedIn").asText(), "inside the agent's one-write step");
    assertEquals("Task|" + taskId, events.get(4).get("persistenceId").asText());
    assertEquals(events.get(4).get("stamp").get("hash"), events.get(5).get("stamp").get("prevHash"));

    JsonNode verified = json(server.get("/v1/audit/tasks/" + taskId + "/verify", AUDITOR));
    assertEquals(true, verified.get("ok").asBoolean());
    assertEquals(5, verified.get("events").asInt(), "the task's own chain; the model call is in the agent's");

    assertEquals(403, server.get("/v1/audit/tasks/" + taskId, SUBMITTER).statusCode());
    assertEquals(404, server.get("/v1/audit/tasks/" + taskId, ACME).statusCode());

    HttpResponse<String> export = server.get("/v1/audit/export?since=2020-01-01T00:00:00Z", AUDITOR);
    assertTrue(export.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
    List<JsonNode> lines = new ArrayList<>();
    for (String line : export.body().split("\n")) {
      lines.add(ApiJson.MAPPER.readTree(line));
    }
    assertTrue(lines.stream().anyMatch(l -> l.get("persistenceId").asText().equals("Task|" + taskId)));
    assertTrue(lines.stream().noneMatch(l -> l.get("persistenceId").asText().equals("Task|" + otherTenant)),
        "another tenant's events are not exported");
    assertEquals("", server.get("/v1/audit/export?since=2099-01-01T00:00:00Z", AUDITOR).body());
    assertEquals(400, server.get("/v1/audit/export?since=yesterday", AUDITOR).statusCode());

    // An exported line carries what a verifier that holds the chain key needs: the stamp and the event as stored.
    AuditHasher hasher = new AuditHasher(JournalAudit.journalMapper(server.node.system()),
        dev.troupe.persistence.AuditKeys.load(dataDir.resolve("audit-chain.keys")));
    JsonNode first = lines.stream().filter(l -> l.get("persistenceId").asText().equals("Task|" + taskId))
        .findFirst().orElseThrow();
    dev.troupe.persistence.JournalEntry entry = JournalAudit.journalMapper(server.node.system()).treeToValue(
        ApiJson.MAPPER.createObjectNode().setAll(java.util.Map.of("stamp", first.get("stamp"), "event", first.get("event"))),
        dev.troupe.persistence.JournalEntry.class);
    assertEquals(entry.stamp().hash(), hasher.hashOf(entry.stamp(), entry.event()));
  }

  @Test
  void theMarketplacesAgentsAndCapabilitiesAreListed() throws Exception {
    JsonNode agents = json(server.get("/v1/agents", SUBMITTER));
    List<String> ids = new ArrayList<>();
    agents.get("items").forEach(agent -> ids.add(agent.get("agentId").asText()));
    assertTrue(ids.containsAll(List.of("summarizer-1", "summarizer-2", "summarizer-3", "billing-clerk-1")), ids.toString());
    JsonNode one = json(server.get("/v1/agents/summarizer-2", SUBMITTER));
    assertEquals("summarizer", one.get("type").asText());
    assertTrue(List.of("AVAILABLE", "BUSY").contains(one.get("status").asText()));
    assertTrue(one.get("reputation").asDouble() > 0);
    assertEquals(404, server.get("/v1/agents/nobody-1", SUBMITTER).statusCode());

    JsonNode capabilities = json(server.get("/v1/capabilities", AUDITOR));
    JsonNode summarize = null;
    for (JsonNode c : capabilities.get("items")) {
      if (c.get("capability").asText().equals("text.summarize")) {
        summarize = c;
      }
    }
    assertEquals(3, summarize.get("agents").size());
    assertEquals(2000, summarize.get("sla").get("p95LatencyMs").asLong());
    assertEquals(0, new java.math.BigDecimal("0.0005").compareTo(summarize.get("sla").get("costUsdPerCall").decimalValue()));
  }
}
