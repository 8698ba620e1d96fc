package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load shedding under journal pressure: when submissions queue for the journal, new ones get a
 * 429 with Retry-After at once (never a 503 after the request timeout), nothing refused is
 * journaled, and everything answered 202 is.
 */
class JournalPressureIT {
  private static final String KEY = "journal-pressure-admin-key-01";
  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    // One pending write at a time: a burst is bound to find the journal busy.
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + KEY + "\"",
        "troupe.http.admission.max-pending-submissions = 1",
        "troupe.http.admission.max-journal-wait = 1ms"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aBurstIsAnswered202Or429AndOnlyThe202sAreJournaled() throws Exception {
    long before = server.journaledTasks();
    ExecutorService clients = Executors.newFixedThreadPool(32);
    try {
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < 320; i++) {
        answers.add(CompletableFuture.supplyAsync(() -> {
          try {
            return server.send(HttpRequest.newBuilder(server.uri("/v1/tasks"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                    "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Anvils are heavy.\"}}")));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, clients));
      }
      int accepted = 0;
      int refused = 0;
      for (CompletableFuture<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get();
        int status = response.statusCode();
        assertTrue(status == 202 || status == 429, status + " " + response.body());
        if (status == 429) {
          refused++;
          assertEquals("2", response.headers().firstValue("Retry-After").orElse(""));
          assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
          assertTrue(response.body().contains("the journal is behind"), response.body());
        } else {
          accepted++;
        }
      }
      assertTrue(refused > 0, "32 clients against one pending write: some must be shed");
      assertTrue(accepted > 0, "the journal keeps taking work while it sheds the excess");
      assertEquals(before + accepted, server.journaledTasks(), "exactly the accepted tasks are journaled");
    } finally {
      clients.shutdownNow();
    }
  }
}
