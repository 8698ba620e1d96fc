package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.http.auth.ApiKeys;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission control: past the configured number of unfinished tasks (per tenant, and in all),
 * a burst of submissions gets 429 with Retry-After at once and journals nothing.
 */
class AdmissionIT {
  private static final String ACME = "admission-acme-key-00001";
  private static final String GLOBEX = "admission-globex-key-0001";

  private static final String ADMIN = "admission-admin-key-00001";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + ADMIN + "\"",
        "troupe.http.admission.max-tasks-in-flight = 3",
        "troupe.http.admission.max-tasks-in-flight-per-tenant = 2",
        "troupe.agents.registrations = [ { class = \"dev.troupe.agents.ClarifyingAgent\" } ]",
        "troupe.auth.keys = [",
        "  { name = acme, sha256 = \"" + ApiKeys.sha256Hex(ACME) + "\", tenant = acme, roles = [submitter] },",
        "  { name = globex, sha256 = \"" + ApiKeys.sha256Hex(GLOBEX) + "\", tenant = globex, roles = [submitter] }",
        "]"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> submit(String key, String idempotencyKey) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/v1/tasks"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"capability\": \"text.clarify\", \"input\": {\"text\": \"What do we do?\"}}"));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return server.send(request);
  }

  @Test
  void aBurstPastTheLimitsGets429AtOnceAndJournalsNothing() throws Exception {
    // The clarifying agent stops each task for a human, so every accepted task stays in flight.
    List<Integer> acme = new ArrayList<>();
    HttpResponse<String> first = submit(ACME, "acme-1");
    acme.add(first.statusCode());
    acme.add(submit(ACME, "acme-2").statusCode());
    long journaled = server.journaledTasks();
    List<HttpResponse<String>> refused = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long started = System.nanoTime();
      HttpResponse<String> response = submit(ACME, null);
      assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 5_000, "answered at once");
      refused.add(response);
    }
    assertEquals(List.of(202, 202), acme);
    for (HttpResponse<String> response : refused) {
      assertEquals(429, response.statusCode(), response.body());
      assertEquals("2", response.headers().firstValue("Retry-After").orElse(""));
      assertTrue(response.body().contains("tenant acme has 2 tasks in flight, the most it may have is 2"),
          response.body());
    }
    assertEquals(journaled, server.journaledTasks(), "a refused submission journals nothing");
    // An event from outside starts tasks too: it is admitted like a submission.
    HttpResponse<String> registered = server.send(HttpRequest.newBuilder(server.uri("/v1/workflows/on-ping"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"trigger\": {\"on\": \"ExternalEvent\", \"event\": \"ping\","
            + " \"input\": {\"text\": \"${event.data.text}\"}}, \"steps\": [{\"id\": \"c\", \"capability\":"
            + " \"text.clarify\", \"input\": {\"text\": \"${input.text}\"}}]}")));
    assertEquals(201, registered.statusCode(), registered.body());
    HttpResponse<String> event = server.postJson("/v1/events", ACME, "{\"type\": \"ping\", \"data\": {\"text\": \"hi\"}}");
    assertEquals(429, event.statusCode(), event.body());
    assertTrue(event.body().contains("tenant acme has 2 tasks in flight"), event.body());
    assertEquals(journaled, server.journaledTasks(), "the event started nothing");
    // A repeat of an accepted task adds nothing, so it is answered as usual.
    assertEquals(200, submit(ACME, "acme-1").statusCode());

    // Another tenant has room of its own, until the node's limit of 3.
    assertEquals(202, submit(GLOBEX, null).statusCode());
    HttpResponse<String> full = submit(GLOBEX, null);
    assertEquals(429, full.statusCode());
    assertTrue(full.body().contains("3 tasks are in flight, the most the runtime takes is 3"), full.body());

    // Finishing a task makes room again (once the directory has seen it end).
    String taskId = ApiJson.MAPPER.readTree(first.body()).get("taskId").asText();
    assertEquals(200, server.postJson("/v1/tasks/" + taskId + "/cancel", ACME, "").statusCode());
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline && status != 202) {
      status = submit(ACME, "acme-3").statusCode();
      Thread.sleep(100);
    }
    assertEquals(202, status);
  }
}
