package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.model.FakeProvider;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it: a bad merge of the libraries' reference.conf files would
 * show up only here, not on the test classpath.
 */
class ServerJarIT {
  private static final Path JAR = Path.of(System.getProperty("troupe.jar", "target/troupe.jar"));
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path work;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (Process process : started) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private record Server(Process process, int port, Path out, Path err) {
    String stdout() throws IOException {
      return Files.readString(out);
    }

    String stderr() throws IOException {
      return Files.readString(err);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private Server start(Path dataDir, Map<String, String> env, String... jvmArgs) throws IOException {
    assertTrue(Files.isRegularFile(JAR), "build the jar first (mvn package): " + JAR);
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmArgs));
    command.addAll(List.of("-jar", JAR.toString()));
    String name = "server-" + started.size();
    Path out = work.resolve(name + ".out");
    Path err = work.resolve(name + ".err");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(work.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().remove("TROUPE_ADMIN_KEY");
    builder.environment().put("TROUPE_HTTP_PORT", String.valueOf(port));
    builder.environment().put("TROUPE_DATA_DIR", dataDir.toString());
    builder.environment().putAll(env);
    Process process = builder.start();
    started.add(process);
    return new Server(process, port, out, err);
  }

  private static HttpResponse<String> get(int port, String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).GET();
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Milliseconds from now until /health/ready answers 200. */
  /**
   * Waits for readiness. Only the first test holds the jar to its start-up time; the others wait
   * longer, since a cold JVM on two cores shared with the test suite took 6 to 13 s to be ready.
   */
  private static long awaitReady(Server server, Duration limit) throws Exception {
    long start = System.nanoTime();
    while (System.nanoTime() - start < limit.toNanos()) {
      assertTrue(server.process().isAlive(), "server exited: " + server.stderr() + server.stdout());
      try {
        if (get(server.port(), "/health/ready", null).statusCode() == 200) {
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
      } catch (IOException notListeningYet) {
        // keep polling
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not ready within " + limit + ": " + server.stdout() + server.stderr());
  }

  @Test
  void theJarStartsOnTheEmbeddedDefaultRunsATaskAndKeepsItAcrossARestart() throws Exception {
    Path data = work.resolve("data");
    Server first = start(data, Map.of());
    long readyMillis = awaitReady(first, Duration.ofSeconds(10));
    assertTrue(readyMillis < 10_000, "ready in " + readyMillis + " ms");

    String key = Files.readString(data.resolve("admin.key")).strip();
    assertTrue(first.stdout().contains(key), "the first admin key is printed on first start");
    HttpResponse<String> accepted = CLIENT.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + first.port() + "/v1/tasks"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"capability\":\"text.summarize\",\"input\":{\"text\":\"Jar test. It runs.\"}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(202, accepted.statusCode(), accepted.body());
    String taskId = ApiJson.MAPPER.readTree(accepted.body()).get("taskId").asText();
    awaitCompleted(first.port(), taskId, key);

    first.process().destroy(); // SIGTERM: coordinated shutdown
    assertTrue(first.process().waitFor(20, TimeUnit.SECONDS), "stops on SIGTERM");

    Server second = start(data, Map.of());
    awaitReady(second, Duration.ofSeconds(10));
    assertFalse(second.stdout().contains(key), "the key is printed only once");
    JsonNode task = awaitCompleted(second.port(), taskId, key);
    assertEquals("Jar test. It runs.", task.get("output").get("summary").asText());
  }

  private static JsonNode awaitCompleted(int port, String taskId, String key) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = get(port, "/v1/tasks/" + taskId, key);
      assertEquals(200, response.statusCode(), response.body());
      JsonNode task = ApiJson.MAPPER.readTree(response.body());
      if (task.get("status").asText().equals("COMPLETED")) {
        return task;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(taskId + " did not complete");
  }

  @Test
  void aBadSettingExitsWithOneLineNamingTheKey() throws Exception {
    Server server = start(work.resolve("data"), Map.of(), "-Dtroupe.http.port=70000");
    assertTrue(server.process().waitFor(20, TimeUnit.SECONDS));
    assertEquals(2, server.process().exitValue());
    assertEquals("troupe.http.port: must be 1..65535, was 70000\n", server.stderr());
  }

  @Test
  void theJarThinksWithAConfiguredProviderGivenOnlyAConfigFile() throws Exception {
    try (FakeProvider provider = FakeProvider.openAi()) {
      provider.always(FakeProvider.openAiText("Summarised by the provider.", 30, 6));
      Path config = work.resolve("models.conf");
      Files.writeString(config, String.join("\n",
          "troupe.models.providers.gateway { kind = openai-compatible, base-url = \"" + provider.baseUrl() + "\",",
          "  api-key-env = GATEWAY_API_KEY }",
          "troupe.models.models.mini { provider = gateway, name = gpt-4o-mini,",
          "  usd-per-million-input = 0.15, usd-per-million-output = 0.60 }",
          "troupe.models.tiers.fast { primary = mini, fallbacks = [local] }"));
      Path data = work.resolve("data");
      Server server = start(data, Map.of("GATEWAY_API_KEY", "sk-from-the-environment-42"),
          "-Dconfig.file=" + config);
      awaitReady(server, Duration.ofSeconds(20));
      String key = Files.readString(data.resolve("admin.key")).strip();
      HttpResponse<String> accepted = CLIENT.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.port() + "/v1/tasks"))
          .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"capability\":\"text.summarize\",\"input\":{\"text\":\"A long text. About things.\"}}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(202, accepted.statusCode(), accepted.body());
      JsonNode task = awaitCompleted(server.port(), ApiJson.MAPPER.readTree(accepted.body()).get("taskId").asText(),
          key);
      assertEquals("Summarised by the provider.", task.get("output").get("summary").asText());
      assertEquals("Bearer sk-from-the-environment-42", provider.requests().get(0).header("Authorization"));
      assertFalse(server.stdout().contains("sk-from-the-environment-42") || server.stderr()
          .contains("sk-from-the-environment-42"), "the key is in no log line");
      assertTrue(get(server.port(), "/v1/models", key).body().contains("\"primary\":\"mini\""));
    }
  }

  @Test
  void aProviderWhoseKeyVariableIsNotSetStopsTheStartNamingTheKey() throws Exception {
    Server server = start(work.resolve("data"), Map.of(),
        "-Dtroupe.models.providers.openai.kind=openai-compatible",
        "-Dtroupe.models.providers.openai.base-url=https://api.openai.com/v1",
        "-Dtroupe.models.providers.openai.api-key-env=TROUPE_TEST_UNSET_KEY");
    assertTrue(server.process().waitFor(20, TimeUnit.SECONDS));
    assertEquals(2, server.process().exitValue());
    assertEquals("troupe.models.providers.openai.api-key-env: the environment variable TROUPE_TEST_UNSET_KEY is not"
        + " set\n", server.stderr());
  }

  @Test
  void aRegistrationTheRuntimeRefusesExitsWith2AndOneLine() throws Exception {
    Server server = start(work.resolve("data"), Map.of(), "-Dtroupe.agents.tools-needing-approval.0=no.such");
    assertTrue(server.process().waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, server.process().exitValue(), server.stderr());
    // SLF4J's own start-up notes go to stderr too, once logging has started; the error is one line.
    List<String> lines = server.stderr().lines().filter(line -> !line.startsWith("SLF4J(")).toList();
    assertEquals(1, lines.size(), server.stderr());
    assertTrue(lines.get(0).startsWith("troupe.agents.tools-needing-approval: no tool no.such is registered"),
        server.stderr());
  }

  @Test
  void anEnvironmentVariableOverridesTheDefault() throws Exception {
    Server server = start(work.resolve("data"), Map.of("TROUPE_ADMIN_KEY", "key-from-the-environment-0001"));
    awaitReady(server, Duration.ofSeconds(20));
    assertEquals(404, get(server.port(), "/v1/tasks/tsk_none", "key-from-the-environment-0001").statusCode());
    assertFalse(Files.exists(work.resolve("data").resolve("admin.key")), "no key generated when one is given");
  }

  @Test
  void aSecondServerOnTheSameJournalRefusesToStart() throws Exception {
    Path data = work.resolve("data");
    Server first = start(data, Map.of("TROUPE_ADMIN_KEY", "shared-journal-test-key-01"));
    awaitReady(first, Duration.ofSeconds(20));
    Server second = start(data, Map.of("TROUPE_ADMIN_KEY", "shared-journal-test-key-01"));
    // Usually 5-7 s (the pool's 5 s connection timeout, then exit); seen slower on a busy machine.
    assertTrue(second.process().waitFor(60, TimeUnit.SECONDS),
        "fails instead of hanging; it said: " + second.stderr() + second.stdout());
    assertNotEquals(0, second.process().exitValue());
    assertTrue(second.stderr().contains("Troupe cannot start"), second.stderr());
    assertTrue((second.stderr() + second.stdout()).contains("already in use"), second.stderr() + second.stdout());
    assertEquals(200, get(first.port(), "/health/ready", null).statusCode(), "the first server is unharmed");
  }

  @Test
  void afterKillMinus9AWaitingTaskIsStillWaitingWithItsApproval() throws Exception {
    Path data = work.resolve("data");
    String key = "kill-nine-test-admin-key-01";
    Server first = start(data, Map.of("TROUPE_ADMIN_KEY", key));
    awaitReady(first, Duration.ofSeconds(20));
    HttpResponse<String> accepted = CLIENT.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + first.port() + "/v1/tasks"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"workflow\": \"client-onboarding\", \"input\":"
            + " {\"client\": \"Acme Ltd\", \"documents\": [\"Acme makes anvils.\"]}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    String taskId = ApiJson.MAPPER.readTree(accepted.body()).get("taskId").asText();
    JsonNode waiting = awaitStatus(first.port(), taskId, key, "WAITING_APPROVAL");
    // Acknowledged an instant before the kill: it must be in the journal all the same.
    HttpResponse<String> justAccepted = CLIENT.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + first.port() + "/v1/tasks"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"capability\": \"billing.start\", \"input\": {\"client\": \"Initech\"}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(202, justAccepted.statusCode(), justAccepted.body());

    first.process().destroyForcibly(); // SIGKILL: no shutdown hooks, nothing flushed on the way out
    assertTrue(first.process().waitFor(10, TimeUnit.SECONDS));

    // An auditor reads the killed node's journal with the same jar: every chain holds, every task replays.
    for (String[] audit : List.of(new String[] {"verify", "--all"}, new String[] {"replay", "--all"})) {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", JAR.toString(), "audit", "--data-dir=" + data));
      command.addAll(List.of(audit));
      Process cli = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(false).start();
      String said = new String(cli.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      String complained = new String(cli.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(cli.waitFor(60, TimeUnit.SECONDS), said + complained);
      assertEquals(0, cli.exitValue(), String.join(" ", audit) + ": " + said + complained);
      assertTrue(said.contains("ok: "), said);
      assertTrue(said.lines().noneMatch(line -> line.contains(" INFO ")), "logs stay off stdout: " + said);
    }

    Server second = start(data, Map.of("TROUPE_ADMIN_KEY", key));
    awaitReady(second, Duration.ofSeconds(15));
    JsonNode after = awaitStatus(second.port(), taskId, key, "WAITING_APPROVAL");
    awaitStatus(second.port(), ApiJson.MAPPER.readTree(justAccepted.body()).get("taskId").asText(), key,
        "WAITING_APPROVAL");
    assertEquals(waiting.get("pendingApprovals"), after.get("pendingApprovals"));
    assertEquals(waiting.get("steps").size(), after.get("steps").size());
  }

  private static JsonNode awaitStatus(int port, String taskId, String key, String status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    JsonNode task = null;
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response;
      try {
        response = get(port, "/v1/tasks/" + taskId, key);
      } catch (IOException e) {
        last = e.toString();
        Thread.sleep(100);
        continue;
      }
      last = response.statusCode() + " " + response.body();
      if (response.statusCode() == 200) {
        task = ApiJson.MAPPER.readTree(response.body());
        if (task.get("status").asText().equals(status)) {
          return task;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(taskId + " never reached " + status + ": " + task + "; last answer: " + last);
  }

  private static HttpResponse<String> submit(int port, String key, String text) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/tasks"))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"" + text + "\"}}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Runs a command and answers its exit code. */
  private static int run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    return process.waitFor(20, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  @Test
  void aFullDiskMakesTheNodeUnreadyWritesFailAtOnceAndTheNodeExits75AndComesBackWithEverything() throws Exception {
    Path disk = work.resolve("small-disk");
    Files.createDirectories(disk);
    // A real full disk: a small tmpfs (root may mount one; the CI runs as root).
    org.junit.jupiter.api.Assumptions.assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", disk.toString()) == 0, "cannot mount a tmpfs here");
    try {
      Path data = disk.resolve("data");
      Server first = start(data, Map.of());
      awaitReady(first, Duration.ofSeconds(20));
      String key = Files.readString(data.resolve("admin.key")).strip();
      HttpResponse<String> before = submit(first.port(), key, "Written before the disk filled.");
      assertEquals(202, before.statusCode(), before.body());
      String taskId = ApiJson.MAPPER.readTree(before.body()).get("taskId").asText();
      awaitStatus(first.port(), taskId, key, "COMPLETED");

      Path filler = disk.resolve("filler");
      try (var out = Files.newOutputStream(filler)) {
        byte[] block = new byte[1 << 20];
        while (true) {
          out.write(block);
        }
      } catch (IOException full) {
        // the disk is full
      }
      // The probe finds out within a second or two: not ready, and a write fails at once.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      int ready = 200;
      while (ready == 200 && System.nanoTime() < deadline) {
        Thread.sleep(100);
        ready = get(first.port(), "/health/ready", null).statusCode();
      }
      assertEquals(503, ready, "not ready while the journal cannot write");
      long started = System.nanoTime();
      HttpResponse<String> refused = submit(first.port(), key, "Written while the disk is full.");
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("the journal"), refused.body());
      assertTrue(tookMillis < 2_000, "refused at once, not after the request timeout: " + tookMillis + " ms");
      // H2 closed its database after the failed write: the process exits 75 for its supervisor.
      assertTrue(first.process().waitFor(30, TimeUnit.SECONDS), "the node exits");
      assertEquals(75, first.process().exitValue(), first.stderr());

      // Room again: a restart serves, with everything it had accepted.
      Files.delete(filler);
      Server second = start(data, Map.of());
      awaitReady(second, Duration.ofSeconds(20));
      assertEquals("COMPLETED", awaitStatus(second.port(), taskId, key, "COMPLETED").get("status").asText());
      HttpResponse<String> after = submit(second.port(), key, "Written after the disk had room again.");
      assertEquals(202, after.statusCode(), after.body());
    } finally {
      stopAll();
      run("umount", "-l", disk.toString());
    }
  }
}
