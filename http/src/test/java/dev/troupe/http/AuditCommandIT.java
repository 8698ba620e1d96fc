package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.EmbeddedJournal;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit command against a stopped node's journal: what an auditor runs offline. */
class AuditCommandIT {
  private static final String KEY = "audit-command-admin-key-01";

  @TempDir
  static Path dataDir;
  private static String completed;
  private static String waiting;

  private record Run(int exit, String out, String err) {}

  private static Run audit(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--data-dir=" + dataDir);
    // --data-dir belongs to "audit", before the subcommand
    all.add(0, all.remove(all.size() - 1));
    int exit = AuditCommand.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Run(exit, out.toString(), err.toString());
  }

  @BeforeAll
  static void aNodeRunsTasksAndStops() throws Exception {
    TestServer server = TestServer.start(dataDir, "troupe.auth.admin-key = \"" + KEY + "\"");
    try {
      HttpResponse<String> first = server.postJson("/v1/tasks", KEY,
          "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Anvils are heavy.\"}}");
      completed = TestServer.json(first).get("taskId").asText();
      server.await("/v1/tasks/" + completed, KEY, t -> t.get("status").asText().equals("COMPLETED"), "completed");
      HttpResponse<String> second = server.postJson("/v1/tasks", KEY, "{\"workflow\": \"client-onboarding\","
          + " \"input\": {\"client\": \"Acme Ltd\", \"documents\": [\"Acme makes anvils.\"]}}");
      waiting = TestServer.json(second).get("taskId").asText();
      server.await("/v1/tasks/" + waiting, KEY, t -> t.get("status").asText().equals("WAITING_APPROVAL"),
          "waiting for approval");
    } finally {
      server.close(); // writes the last checkpoint as it stops
    }
  }

  @Test
  void tasksTimelineReplayVerifyAndExportReadTheStoppedJournal() throws Exception {
    Run tasks = audit("tasks");
    assertEquals(0, tasks.exit(), tasks.err());
    assertTrue(tasks.out().contains(completed + "\tCOMPLETED\tdefault\ttext.summarize\t"), tasks.out());
    assertTrue(tasks.out().contains(waiting + "\tWAITING_APPROVAL\tdefault\tclient-onboarding\t"), tasks.out());
    Run onlyCompleted = audit("tasks", "--status", "completed");
    assertTrue(onlyCompleted.out().contains(completed) && !onlyCompleted.out().contains(waiting), onlyCompleted.out());

    Run timeline = audit("timeline", waiting);
    assertEquals(0, timeline.exit(), timeline.err());
    assertTrue(timeline.out().contains("human:admin  TaskSubmitted"), timeline.out());
    assertTrue(timeline.out().contains("ApprovalRequested"), timeline.out());
    assertTrue(timeline.out().contains("ModelCalled"), "the agents' calls in place: " + timeline.out());
    Run asJson = audit("timeline", "--json", completed);
    for (String line : asJson.out().split("\n")) {
      JsonNode node = ApiJson.MAPPER.readTree(line);
      assertTrue(node.has("stamp") && node.has("event"), line);
    }

    Run replay = audit("replay", "--all");
    assertEquals(0, replay.exit(), replay.out() + replay.err());
    assertTrue(replay.out().contains("ok: 2 task(s) replay as recorded"), replay.out());

    Run verify = audit("verify", "--all");
    assertEquals(0, verify.exit(), verify.out() + verify.err());
    assertTrue(verify.out().matches("(?s).*checkpoint of .*: \\d+ entities, all as signed.*"), verify.out());
    assertTrue(verify.out().contains("ok: "), verify.out());

    // The export checks out with the outside verifier too.
    Run export = audit("export");
    assertEquals(0, export.exit(), export.err());
    Path file = dataDir.resolve("export.ndjson");
    Files.writeString(file, export.out());
    Process python = new ProcessBuilder("python3", Path.of("..", "scripts", "verify-export.py").toString(), "--keys",
        dataDir.resolve("audit-chain.keys").toString(), file.toString()).redirectErrorStream(true).start();
    String said = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(python.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, python.exitValue(), said);
  }

  @Test
  void aChangedByteIsNamedWithItsEntityAndEventAndBadArgumentsExit2() throws Exception {
    assertEquals(2, audit("verify").exit(), "name a task, or --all");
    assertEquals(2, audit("timeline", "tsk_nothing_here").exit());
    assertEquals(2, audit("bogus").exit());

    String persistenceId = "Task|" + completed;
    long seq;
    try (Connection db = DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
        PreparedStatement select = db.prepareStatement("SELECT \"sequence_number\", \"event_payload\" FROM"
            + " \"event_journal\" WHERE \"persistence_id\" = ? AND UTF8TOSTRING(\"event_payload\") LIKE '%Anvils%'"
            + " ORDER BY \"sequence_number\" LIMIT 1")) {
      select.setString(1, persistenceId);
      byte[] bytes;
      try (ResultSet row = select.executeQuery()) {
        assertTrue(row.next());
        seq = row.getLong(1);
        bytes = row.getBytes(2);
      }
      String json = new String(bytes, StandardCharsets.UTF_8).replace("Anvils are heavy.", "Anvils are light.");
      try (PreparedStatement update = db.prepareStatement("UPDATE \"event_journal\" SET \"event_payload\" = ?"
          + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        update.setBytes(1, json.getBytes(StandardCharsets.UTF_8));
        update.setString(2, persistenceId);
        update.setLong(3, seq);
        assertEquals(1, update.executeUpdate());
      }
    }
    try {
      Run verify = audit("verify", "--all");
      assertEquals(1, verify.exit(), verify.out());
      assertTrue(verify.out().contains("BROKEN " + persistenceId + " event " + seq + ": content of event " + seq
          + " does not match its hash"), verify.out());
      Run one = audit("verify", completed);
      assertEquals(1, one.exit(), one.out());
    } finally {
      // Put it back: the other test reads the same journal.
      try (Connection db = DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
          PreparedStatement select = db.prepareStatement("SELECT \"event_payload\" FROM \"event_journal\""
              + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?");
          PreparedStatement update = db.prepareStatement("UPDATE \"event_journal\" SET \"event_payload\" = ?"
              + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        select.setString(1, persistenceId);
        select.setLong(2, seq);
        String json;
        try (ResultSet row = select.executeQuery()) {
          row.next();
          json = new String(row.getBytes(1), StandardCharsets.UTF_8).replace("Anvils are light.", "Anvils are heavy.");
        }
        update.setBytes(1, json.getBytes(StandardCharsets.UTF_8));
        update.setString(2, persistenceId);
        update.setLong(3, seq);
        update.executeUpdate();
      }
    }
  }
}
