package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event streams cost no thread each: hundreds of open SSE streams on a waiting task leave the
 * server's thread count where it was, and every stream still gets the task's history.
 */
class ManyStreamsIT {
  private static final String KEY = "many-streams-admin-key-01";
  private static final int STREAMS = 300;

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + KEY + "\"",
        "troupe.agents.registrations = [ { class = \"dev.troupe.agents.ClarifyingAgent\" } ]"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The server's own threads: the actor system's dispatchers and HTTP, all named after it. */
  private static long serverThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("troupe-")).count();
  }

  @Test
  void hundredsOfOpenStreamsDoNotCostAThreadEach() throws Exception {
    String body = server.postJson("/v1/tasks", KEY,
        "{\"capability\": \"text.clarify\", \"input\": {\"text\": \"For whom?\"}}").body();
    String taskId = ApiJson.MAPPER.readTree(body).get("taskId").asText();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!server.get("/v1/tasks/" + taskId, KEY).body().contains("\"ESCALATED\"")) {
      assertTrue(System.nanoTime() < deadline, "the task never escalated");
      Thread.sleep(50);
    }
    long before = serverThreads();
    assertTrue(before > 0, "the server's threads are named after its actor system");

    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<CompletableFuture<HttpResponse<Stream<String>>>> opening = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      opening.add(client.sendAsync(HttpRequest.newBuilder(server.uri("/v1/tasks/" + taskId + "/events"))
          .header("Authorization", "Bearer " + KEY).GET().build(), HttpResponse.BodyHandlers.ofLines()));
    }
    List<HttpResponse<Stream<String>>> open = new ArrayList<>();
    for (var future : opening) {
      open.add(future.get(30, TimeUnit.SECONDS));
    }
    for (HttpResponse<Stream<String>> response : open) {
      assertEquals(200, response.statusCode());
      Iterator<String> lines = response.body().iterator();
      assertEquals("id: 1", lines.next(), "history first");
      assertEquals("event: TaskSubmitted", lines.next());
    }
    long during = serverThreads();
    assertTrue(during - before < 20, STREAMS + " open streams grew the server's threads from " + before + " to "
        + during);
    open.forEach(response -> response.body().close());
  }
}
