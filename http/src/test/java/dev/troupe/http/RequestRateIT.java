package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.http.auth.ApiKeys;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each API key has a request rate: over it, 429 with Retry-After at once, and other keys do not notice. */
class RequestRateIT {
  private static final String BUSY = "rate-busy-admin-key-00001";
  private static final String CALM = "rate-calm-reader-key-0001";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + BUSY + "\"",
        "troupe.auth.keys = [ { name = calm, sha256 = \"" + ApiKeys.sha256Hex(CALM) + "\", tenant = default,"
            + " roles = [auditor] } ]",
        "troupe.http.admission.requests-per-second-per-key = 5"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aKeyOverItsRateGets429AndAnotherKeyDoesNot() throws Exception {
    // All at once, so the test does not depend on how fast this machine sends them.
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(server.client.sendAsync(java.net.http.HttpRequest.newBuilder(server.uri("/v1/agents"))
          .header("Authorization", "Bearer " + BUSY).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (var answer : sent) {
      answers.add(answer.get(15, java.util.concurrent.TimeUnit.SECONDS));
    }
    List<HttpResponse<String>> refused = answers.stream().filter(a -> a.statusCode() == 429).toList();
    assertTrue(refused.size() >= 10, "5 a second, 20 at once: " + answers.stream().map(HttpResponse::statusCode)
        .toList());
    HttpResponse<String> one = refused.get(0);
    assertEquals("1", one.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(one.headers().firstValue("Content-Type").orElseThrow().startsWith("application/problem+json"));
    assertTrue(one.body().contains("requests-per-second-per-key"), one.body());
    assertEquals(200, server.get("/v1/agents", CALM).statusCode(), "another key has its own rate");
  }
}
