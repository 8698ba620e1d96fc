package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export's chain checks out in another language: scripts/verify-export.py, Python's standard
 * library only, recomputes every keyed link (RFC 8785 and HMAC-SHA-256) of a real export, and
 * names the one event changed afterwards.
 */
class ExportVerifierIT {
  private static final String KEY = "export-verifier-admin-key-01";
  private static final Path SCRIPT = Path.of("..", "scripts", "verify-export.py").toAbsolutePath().normalize();

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, "troupe.auth.admin-key = \"" + KEY + "\"");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private record Run(int exit, String output) {}

  private static Run verify(Path export) throws IOException, InterruptedException {
    Process python = new ProcessBuilder("python3", SCRIPT.toString(), "--keys",
        dataDir.resolve("audit-chain.keys").toString(), export.toString()).redirectErrorStream(true).start();
    String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(python.waitFor(60, TimeUnit.SECONDS), output);
    return new Run(python.exitValue(), output.strip());
  }

  @Test
  void pythonRecomputesEveryLinkOfAnExportAndNamesTheChangedEvent() throws Exception {
    // Input that trips naive canonical forms: non-ASCII and an emoji, an escape, an integer past
    // 2^53, numbers at the edges of plain notation, a decimal budget.
    String body = "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Caf\u00e9 \uD83D\uDE00 \\\"quoted\\\"\\n"
        + " line\", \"account\": 9007199254740993, \"ratio\": 1e-7, \"big\": 1e21, \"share\": 0.1},"
        + " \"budget\": {\"maxCostUsd\": 0.25}}";
    List<String> tasks = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> accepted = server.postJson("/v1/tasks", KEY, body);
      assertEquals(202, accepted.statusCode(), accepted.body());
      String taskId = TestServer.json(accepted).get("taskId").asText();
      server.await("/v1/tasks/" + taskId, KEY, task -> task.get("status").asText().equals("COMPLETED"), "completed");
      tasks.add(taskId);
    }
    HttpResponse<String> export = server.get("/v1/audit/export", KEY);
    assertEquals(200, export.statusCode());
    Path file = dataDir.resolve("export.ndjson");
    Files.writeString(file, export.body());

    Run clean = verify(file);
    assertEquals(0, clean.exit(), clean.output());
    assertTrue(clean.output().startsWith("ok: "), clean.output());
    int events = Integer.parseInt(clean.output().split(" ")[1]);
    assertTrue(events >= 8, "every task event was checked: " + clean.output());

    // Change one stored output in the export, as a forger without the key would.
    List<String> lines = new ArrayList<>(List.of(export.body().split("\n")));
    int changed = -1;
    for (int i = 0; i < lines.size() && changed < 0; i++) {
      JsonNode line = ApiJson.MAPPER.readTree(lines.get(i));
      if (line.path("type").asText().equals("TaskCompleted")
          && line.path("persistenceId").asText().equals("Task|" + tasks.get(1))) {
        ((ObjectNode) line.get("event")).put("error", "forged");
        lines.set(i, line.toString());
        changed = i;
      }
    }
    assertTrue(changed >= 0, "the second task's result is in the export");
    JsonNode forged = ApiJson.MAPPER.readTree(lines.get(changed));
    Files.writeString(file, String.join("\n", lines) + "\n");
    Run broken = verify(file);
    assertEquals(1, broken.exit(), broken.output());
    assertEquals("BROKEN Task|" + tasks.get(1) + " event " + forged.get("seq").asLong()
        + ": its content does not match its hash", broken.output());

    // The ways around a recomputed hash are closed too: dropping the key id (the old, unkeyed form),
    // marking a task's event as recorded inside another, or leaving an event out.
    String where = "Task|" + tasks.get(1) + " event " + forged.get("seq").asLong();
    ObjectNode unkeyed = (ObjectNode) forged.deepCopy();
    ((ObjectNode) unkeyed.get("stamp")).remove("keyId");
    assertEquals("BROKEN " + where + ": linked without a key after keyed links",
        verifyWith(file, lines, changed, unkeyed.toString()).output());
    ObjectNode hidden = (ObjectNode) forged.deepCopy();
    hidden.put("recordedIn", "StepRan");
    assertEquals("BROKEN " + where + ": a task's own event cannot be recorded inside another",
        verifyWith(file, lines, changed, hidden.toString()).output());
    int middle = -1;
    for (int i = 0; i < lines.size() && middle < 0; i++) {
      JsonNode line = ApiJson.MAPPER.readTree(lines.get(i));
      if (line.path("type").asText().equals("StepStarted")
          && line.path("persistenceId").asText().equals("Task|" + tasks.get(1))) {
        middle = i;
      }
    }
    List<String> original = new ArrayList<>(lines);
    original.set(changed, export.body().split("\n")[changed]);
    Run gap = verifyWith(file, original, middle, null);
    assertEquals(1, gap.exit(), gap.output());
    assertTrue(gap.output().contains("are missing"), gap.output());
  }

  /** The export with line {@code at} replaced by {@code line} (or left out when null), verified. */
  private static Run verifyWith(Path file, List<String> lines, int at, String line) throws Exception {
    List<String> changed = new ArrayList<>(lines);
    if (line == null) {
      changed.remove(at);
    } else {
      changed.set(at, line);
    }
    Files.writeString(file, String.join("\n", changed) + "\n");
    return verify(file);
  }
}
