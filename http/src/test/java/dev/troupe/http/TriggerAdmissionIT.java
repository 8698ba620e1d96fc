package dev.troupe.http;

import static dev.troupe.http.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.workflow.TriggerRouter;
import dev.troupe.runtime.workflow.WorkflowEvent;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks started by triggers are admitted like a client's: past the tenant's cap they wait,
 * journaled, and start as soon as there is room, while the router reads on.
 */
class TriggerAdmissionIT {
  private static final String ACME = "trigger-admission-acme-01";
  private static final String CONFIG = String.join("\n",
      "troupe.auth.admin-key = \"trigger-admission-admin1\"",
      "troupe.http.admission.max-tasks-in-flight-per-tenant = 2",
      "troupe.agents.registrations = [ { class = \"dev.troupe.agents.ClarifyingAgent\" } ]",
      "troupe.auth.keys = [",
      "  { name = acme, sha256 = \"" + ApiKeys.sha256Hex(ACME) + "\", tenant = acme, roles = [admin] }",
      "]");

  @TempDir
  Path dataDir;

  private static HttpResponse<String> put(TestServer server, String name, String body) throws Exception {
    return server.send(HttpRequest.newBuilder(server.uri("/v1/workflows/" + name))
        .header("Authorization", "Bearer " + ACME).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static List<JsonNode> followUps(TestServer server) throws Exception {
    List<JsonNode> tasks = new ArrayList<>();
    json(server.get("/v1/tasks?limit=100", ACME)).get("items").forEach(task -> {
      if (task.path("workflow").asText().startsWith("follow-")) {
        tasks.add(task);
      }
    });
    return tasks;
  }

  private static long inFlight(List<JsonNode> tasks) {
    return tasks.stream().filter(t -> !List.of("COMPLETED", "FAILED", "CANCELLED").contains(t.get("status").asText()))
        .count();
  }

  @Test
  void triggeredTasksPastTheCapWaitAndStartWhenThereIsRoom() throws Exception {
    try (TestServer server = TestServer.start(dataDir, CONFIG)) {
      assertEquals(201, put(server, "src", "{\"steps\": [{\"id\": \"s\", \"capability\": \"text.summarize\","
          + " \"input\": {\"text\": \"${input.text}\"}}]}").statusCode());
      // Each follow-up stops for a human (the clarifying agent): it stays in flight.
      for (String name : List.of("follow-a", "follow-b")) {
        HttpResponse<String> registered = put(server, name, "{\"trigger\": {\"on\": \"TaskCompleted\", \"workflow\":"
            + " \"src\", \"input\": {\"text\": \"What next?\"}}, \"steps\": [{\"id\": \"c\", \"capability\":"
            + " \"text.clarify\", \"input\": {\"text\": \"${input.text}\"}}]}");
        assertEquals(201, registered.statusCode(), registered.body());
      }
      List<String> sources = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> submitted = server.postJson("/v1/tasks", ACME,
            "{\"workflow\": \"src\", \"input\": {\"text\": \"Source " + i + ".\"}}");
        assertEquals(202, submitted.statusCode(), submitted.body());
        sources.add(json(submitted).get("taskId").asText());
      }
      // Two sources end; four follow-ups are triggered; the cap of 2 admits two, two wait.
      List<Object> deferredTwo = awaitRouter(server, 2, 0);
      List<JsonNode> started = awaitFollowUps(server, 2);
      assertEquals(2, inFlight(started), started.toString());
      assertTrue(deferredTwo.toString().contains("tenant acme has 2 tasks in flight"), deferredTwo.toString());

      // One follow-up is cancelled: a place frees up, and one waiting task starts in it.
      String cancelled = started.get(0).get("taskId").asText();
      assertEquals(200, server.postJson("/v1/tasks/" + cancelled + "/cancel", ACME, "{\"reason\": \"done\"}")
          .statusCode());
      awaitRouter(server, 2, 1);
      List<JsonNode> now = awaitFollowUps(server, 3);
      assertEquals(2, inFlight(now), "the cap holds: " + now);
      // The four ids are the triggers' own: nothing started twice.
      List<String> expected = new ArrayList<>();
      for (String source : sources) {
        expected.add(TriggerRouter.triggeredTaskId("follow-a", source, "TaskCompleted"));
        expected.add(TriggerRouter.triggeredTaskId("follow-b", source, "TaskCompleted"));
      }
      now.forEach(task -> assertTrue(expected.contains(task.get("taskId").asText()), task.toString()));
    }
  }

  /** Waits until the router's journal holds {@code deferred} TriggerDeferred and {@code started} DeferredTriggerStarted. */
  private static List<Object> awaitRouter(TestServer server, int deferred, int started) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<Object> events = List.of();
    while (System.nanoTime() < deadline) {
      events = server.node.started().toCompletableFuture().get(10, TimeUnit.SECONDS).audit()
          .entries(TriggerRouter.NAME).toCompletableFuture().get(10, TimeUnit.SECONDS).stream()
          .map(StoredEntry::entry).map(e -> (Object) e.event()).toList();
      long d = events.stream().filter(WorkflowEvent.TriggerDeferred.class::isInstance).count();
      long s = events.stream().filter(WorkflowEvent.DeferredTriggerStarted.class::isInstance).count();
      if (d == deferred && s == started) {
        return events;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the router journaled " + events);
  }

  /** The follow-up tasks, once the list shows {@code count} of them. */
  private static List<JsonNode> awaitFollowUps(TestServer server, int count) throws Exception {
    server.await("/v1/tasks?limit=100", ACME, page -> {
      int n = 0;
      for (JsonNode task : page.get("items")) {
        n += task.path("workflow").asText().startsWith("follow-") ? 1 : 0;
      }
      return n == count;
    }, count + " follow-ups listed");
    return followUps(server);
  }
}
