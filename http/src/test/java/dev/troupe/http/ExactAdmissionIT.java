package dev.troupe.http;

import static dev.troupe.http.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-flight caps hold exactly: concurrent submissions cannot all take the last place, and a
 * restarted node admits and lists from the whole journal, never from a partial fold.
 */
class ExactAdmissionIT {
  private static final String ACME = "exact-admission-acme-0001";
  private static final String CONFIG = String.join("\n",
      "troupe.auth.admin-key = \"exact-admission-admin-001\"",
      "troupe.http.admission.max-tasks-in-flight-per-tenant = 5",
      "troupe.http.admission.requests-per-second-per-key = 1000",
      "troupe.agents.registrations = [ { class = \"dev.troupe.agents.ClarifyingAgent\" } ]",
      "troupe.auth.keys = [",
      "  { name = acme, sha256 = \"" + ApiKeys.sha256Hex(ACME) + "\", tenant = acme, roles = [submitter] }",
      "]");

  @TempDir
  Path dataDir;

  private static HttpRequest.Builder submission() {
    return HttpRequest.newBuilder().header("Authorization", "Bearer " + ACME)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"capability\": \"text.clarify\", \"input\": {\"text\": \"What do we do?\"}}"));
  }

  @Test
  void concurrentSubmissionsTakeExactlyTheFreePlacesAndARestartCountsThemAll() throws Exception {
    try (TestServer server = TestServer.start(dataDir, CONFIG)) {
      // The clarifying agent stops each task for a human: every accepted task stays in flight.
      List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        burst.add(server.client.sendAsync(submission().uri(server.uri("/v1/tasks")).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      int accepted = 0;
      int refused = 0;
      for (var response : burst) {
        int status = response.get(30, TimeUnit.SECONDS).statusCode();
        accepted += status == 202 ? 1 : 0;
        refused += status == 429 ? 1 : 0;
      }
      assertEquals(5, accepted, "the tenant's cap");
      assertEquals(35, refused);
      assertEquals(5, server.journaledTasks());
    }
    // Restarted: the first answer already counts the five (the node is ready only once its lists
    // have read the whole journal).
    try (TestServer server = TestServer.start(dataDir, CONFIG)) {
      HttpResponse<String> more = server.send(submission().uri(server.uri("/v1/tasks")));
      assertEquals(429, more.statusCode(), more.body());
      assertTrue(more.body().contains("tenant acme has 5 tasks in flight"), more.body());
      JsonNode listed = json(server.get("/v1/tasks?limit=100", ACME));
      assertEquals(5, listed.get("items").size(), listed.toString());
      assertEquals(5, server.journaledTasks());
    }
  }
}
