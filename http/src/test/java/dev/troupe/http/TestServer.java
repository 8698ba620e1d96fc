package dev.troupe.http;

import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.agents.BuiltIns;
import dev.troupe.config.TroupeSettings;
import dev.troupe.http.auth.AdminKeyBootstrap;
import dev.troupe.persistence.EmbeddedJournal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real Troupe node on an ephemeral loopback port, with the built-in agents, and a client for it. */
final class TestServer implements AutoCloseable {
  final TroupeNode node;
  final int port;
  final Path dataDir;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestServer(TroupeNode node, int port, Path dataDir) {
    this.node = node;
    this.port = port;
    this.dataDir = dataDir;
  }

  static TestServer start(Path dataDir, String hocon) throws Exception {
    return start(dataDir, hocon, System.getenv());
  }

  /** As {@link #start(Path, String)}, with {@code environment} as the variables settings name (API keys). */
  static TestServer start(Path dataDir, String hocon, Map<String, String> environment) throws Exception {
    Config config = TroupeSettings.load(ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseMap(Map.of("troupe.data-dir", dataDir.toString()))));
    TroupeSettings configured = TroupeSettings.create(config, environment::get);
    TroupeSettings settings = configured.withHttp(configured.http().withPort(0));
    var keys = AdminKeyBootstrap.load(settings, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    TroupeNode node = TroupeNode.start(config, settings, keys, BuiltIns.components(settings));
    int port = node.bound().toCompletableFuture().get(30, TimeUnit.SECONDS);
    node.started().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new TestServer(node, port, dataDir);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A response's body as JSON. */
  static JsonNode json(HttpResponse<String> response) throws Exception {
    return ApiJson.MAPPER.readTree(response.body());
  }

  /** Polls {@code GET path} until a 200 whose JSON satisfies {@code done}, for up to 20 s. */
  JsonNode await(String path, String key, Predicate<JsonNode> done, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = get(path, key);
      if (response.statusCode() == 200) {
        last = json(response);
        if (done.test(last)) {
          return last;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("never " + what + ": " + last);
  }

  HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return send(request);
  }

  HttpResponse<String> postJson(String path, String key, String body) throws Exception {
    return send(HttpRequest.newBuilder(uri(path))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /**
   * Tasks in the journal: bad input must not change this number. (All rows would not do: the
   * node writes in the background, e.g. the trigger router's offset.)
   */
  long journaledTasks() throws Exception {
    try (Connection db = DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery(
            "SELECT COUNT(DISTINCT \"persistence_id\") FROM \"event_journal\" WHERE \"persistence_id\" LIKE 'Task|%'")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /**
   * Rows in the journal written by tasks, workflows and key rings: what a request can cause. (The
   * node's own bookkeeping, such as the trigger router's offset, is left out.)
   */
  long journalRows() throws Exception {
    try (Connection db = DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" LIKE"
            + " 'Task|%' OR \"persistence_id\" LIKE 'Workflow|%' OR \"persistence_id\" LIKE 'KeyRing|%'")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Override
  public void close() {
    node.stop(Duration.ofSeconds(30));
  }
}
