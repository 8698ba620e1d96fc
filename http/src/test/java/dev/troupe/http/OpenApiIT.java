package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /openapi.json} describes the routes the server has, and every route of API.md is in it. */
class OpenApiIT {
  private static final String KEY = "openapi-admin-key-000001";

  @TempDir
  static Path dataDir;
  private static TestServer server;
  private static JsonNode spec;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, "troupe.auth.admin-key = \"" + KEY + "\"");
    HttpResponse<String> response = server.get("/openapi.json", null);
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    spec = ApiJson.MAPPER.readTree(response.body());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void everyRouteOfTheContractIsDescribed() {
    assertTrue(spec.get("openapi").asText().startsWith("3.1"));
    List<String> contract = List.of("POST /v1/tasks", "GET /v1/tasks", "GET /v1/tasks/{taskId}",
        "POST /v1/tasks/{taskId}/cancel", "POST /v1/tasks/{taskId}/guidance", "GET /v1/tasks/{taskId}/events",
        "GET /v1/approvals", "GET /v1/approvals/{approvalId}", "POST /v1/approvals/{approvalId}/approve",
        "POST /v1/approvals/{approvalId}/reject", "GET /v1/agents", "GET /v1/agents/{agentId}",
        "GET /v1/capabilities", "GET /v1/workflows", "GET /v1/workflows/{name}", "PUT /v1/workflows/{name}",
        "POST /v1/workflows/{name}/rollback", "POST /v1/keys", "GET /v1/audit/tasks/{taskId}",
        "GET /v1/audit/tasks/{taskId}/verify", "GET /v1/audit/tasks/{taskId}/replay",
        "GET /v1/audit/agents/{agentId}", "GET /v1/audit/agents/{agentId}/verify", "GET /v1/audit/export", "GET /v1/audit/quarantine",
        "GET /v1/audit/checkpoint", "POST /v1/audit/checkpoint", "GET /health/live", "GET /health/ready",
        "GET /metrics", "GET /openapi.json");
    for (String route : contract) {
      String[] parts = route.split(" ");
      JsonNode operation = spec.path("paths").path(parts[1]).path(parts[0].toLowerCase(Locale.ROOT));
      assertTrue(operation.isObject(), route + " is not described");
      assertTrue(operation.path("responses").size() > 0, route + " has no responses");
    }
  }

  @Test
  void everyDescribedRouteExistsOnTheServer() throws Exception {
    List<String> checked = new ArrayList<>();
    for (var path : spec.get("paths").properties()) {
      for (var operation : path.getValue().properties()) {
        String method = operation.getKey().toUpperCase(Locale.ROOT);
        String uri = path.getKey().replaceAll("\\{[^}]+}", "nothing-here");
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(uri))
            .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(method.equals("GET") || method.equals("DELETE")
                ? "" : "{}"));
        if (uri.endsWith("/events")) {
          continue; // a stream; its route answers 404 for an unknown task like the others below
        }
        HttpResponse<String> response = server.send(request);
        // A route that does not exist is Pekko's rejection; a missing task or key is our own 404.
        assertNotEquals(405, response.statusCode(), method + " " + uri);
        assertTrue(response.statusCode() != 404 || response.body().contains("no "),
            method + " " + uri + " -> " + response.body());
        assertTrue(response.statusCode() < 500, method + " " + uri + " -> " + response.body());
        checked.add(method + " " + uri);
      }
    }
    assertTrue(checked.size() >= 25, checked.toString());
  }
}
