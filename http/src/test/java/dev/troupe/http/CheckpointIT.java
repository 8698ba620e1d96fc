package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.EmbeddedJournal;
import dev.troupe.persistence.Jcs;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a chain cannot show by itself, a signed checkpoint does: a task's last events removed, a
 * whole task deleted, and links recomputed by someone who holds the chain key. Each leaves the
 * task's own verify at ok; the checkpoint names it.
 */
class CheckpointIT {
  private static final String KEY = "checkpoint-admin-key-0001";
  private static final String OTHER_TENANT = "checkpoint-other-key-0001";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + KEY + "\"",
        "troupe.auth.keys = [{name = other, sha256 = \"" + sha256(OTHER_TENANT) + "\", tenant = other,"
            + " roles = [auditor, admin]}]"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static String completedTask(String text) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", KEY,
        "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"" + text + "\"}}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String taskId = TestServer.json(accepted).get("taskId").asText();
    server.await("/v1/tasks/" + taskId, KEY, task -> task.get("status").asText().equals("COMPLETED"), "completed");
    return taskId;
  }

  private static JsonNode verify(String taskId) throws Exception {
    HttpResponse<String> verified = server.get("/v1/audit/tasks/" + taskId + "/verify", KEY);
    assertEquals(200, verified.statusCode(), verified.body());
    return TestServer.json(verified);
  }

  private static Connection h2() throws Exception {
    return DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
  }

  private static List<ObjectNode> rows(Connection db, String persistenceId) throws Exception {
    List<ObjectNode> rows = new ArrayList<>();
    try (PreparedStatement select = db.prepareStatement("SELECT \"event_payload\" FROM \"event_journal\""
        + " WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\"")) {
      select.setString(1, persistenceId);
      try (ResultSet result = select.executeQuery()) {
        while (result.next()) {
          rows.add((ObjectNode) ApiJson.MAPPER.readTree(result.getBytes(1)));
        }
      }
    }
    return rows;
  }

  /** The link as README's Audit trail defines it, computed from the stored JSON with the node's key. */
  private static String link(byte[] key, String prevHash, ObjectNode row) throws Exception {
    ObjectNode stamp = ((ObjectNode) row.get("stamp")).deepCopy();
    stamp.remove("hash");
    ObjectNode content = ApiJson.MAPPER.createObjectNode();
    content.set("event", row.get("event"));
    content.set("stamp", stamp);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update(prevHash.getBytes(StandardCharsets.US_ASCII));
    mac.update(Jcs.bytes(content));
    return HexFormat.of().formatHex(mac.doFinal());
  }

  /** Writes {@code rows} back with every link recomputed under the node's own key, as its holder could. */
  private static void relink(Connection db, String persistenceId, List<ObjectNode> rows) throws Exception {
    byte[] chainKey = Base64.getDecoder().decode(Files.readAllLines(dataDir.resolve("audit-chain.keys")).stream()
        .filter(line -> line.startsWith("k1 ")).findFirst().orElseThrow().split(" ")[1]);
    String prevHash = rows.get(0).get("stamp").get("prevHash").asText();
    try (PreparedStatement update = db.prepareStatement("UPDATE \"event_journal\" SET \"event_payload\" = ?"
        + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
      for (int i = 0; i < rows.size(); i++) {
        ObjectNode stamp = (ObjectNode) rows.get(i).get("stamp");
        stamp.put("prevHash", prevHash);
        prevHash = link(chainKey, prevHash, rows.get(i));
        stamp.put("hash", prevHash);
        update.setBytes(1, ApiJson.MAPPER.writeValueAsBytes(rows.get(i)));
        update.setString(2, persistenceId);
        update.setLong(3, i + 1);
        assertEquals(1, update.executeUpdate());
      }
    }
  }

  @Test
  void removedTailsDeletedTasksAndRecomputedLinksShowAgainstTheCheckpoint() throws Exception {
    String shortened = completedTask("Its last event will go.");
    String deleted = completedTask("It will vanish.");
    String rewritten = completedTask("Its input will be rewritten.");
    String hidden = completedTask("Its last row will be marked deleted.");
    HttpResponse<String> written = server.postJson("/v1/audit/checkpoint", KEY, "");
    assertEquals(201, written.statusCode(), written.body());
    assertTrue(TestServer.json(written).get("entities").asInt() >= 3, written.body());
    JsonNode clean = TestServer.json(server.get("/v1/audit/checkpoint", KEY));
    assertTrue(clean.get("ok").asBoolean(), clean.toString());
    assertEquals(403, server.get("/v1/audit/checkpoint", OTHER_TENANT).statusCode(), "covers every tenant");
    assertEquals(403, server.postJson("/v1/audit/checkpoint", OTHER_TENANT, "").statusCode());

    // A checkpoint file changed by hand fails its signature.
    Path newest;
    try (var files = Files.list(dataDir.resolve("checkpoints"))) {
      newest = files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted()
          .reduce((a, b) -> b).orElseThrow();
    }
    String signed = Files.readString(newest);
    Files.writeString(newest, signed.replaceFirst("\"seq\":(\\d)", "\"seq\":9$1"));
    JsonNode edited = TestServer.json(server.get("/v1/audit/checkpoint", KEY));
    assertEquals(false, edited.get("ok").asBoolean(), edited.toString());
    assertTrue(edited.get("problems").get(0).get("reason").asText().contains("its signature does not verify"),
        edited.toString());
    Files.writeString(newest, signed);

    int lastOfShortened;
    int lastOfRewritten;
    try (Connection db = h2()) {
      lastOfShortened = rows(db, "Task|" + shortened).size();
      try (PreparedStatement delete = db.prepareStatement("DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ?"
          + " AND \"sequence_number\" = ?")) {
        delete.setString(1, "Task|" + shortened);
        delete.setLong(2, lastOfShortened);
        assertEquals(1, delete.executeUpdate());
      }
      try (PreparedStatement delete = db.prepareStatement("DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ?")) {
        delete.setString(1, "Task|" + deleted);
        assertTrue(delete.executeUpdate() > 0);
      }
      // Pekko's reads skip rows marked deleted: a shorter chain that still links.
      try (PreparedStatement hide = db.prepareStatement("UPDATE \"event_journal\" SET \"deleted\" = TRUE"
          + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        hide.setString(1, "Task|" + hidden);
        hide.setLong(2, rows(db, "Task|" + hidden).size());
        assertEquals(1, hide.executeUpdate());
      }
      // Whoever holds the key changes the task's input and recomputes every link after it.
      List<ObjectNode> rows = rows(db, "Task|" + rewritten);
      lastOfRewritten = rows.size();
      ((ObjectNode) rows.get(0).get("event").get("input")).put("text", "A forged input.");
      relink(db, "Task|" + rewritten, rows);
    }
    // A chain alone sees none of it.
    assertTrue(verify(shortened).get("ok").asBoolean());
    assertTrue(verify(hidden).get("ok").asBoolean());
    assertTrue(verify(rewritten).get("ok").asBoolean(), "recomputed with the key, the chain holds");

    JsonNode report = TestServer.json(server.get("/v1/audit/checkpoint", KEY));
    assertEquals(false, report.get("ok").asBoolean(), report.toString());
    // A new checkpoint would sign the changed journal: it is refused, and the old one stays newest.
    HttpResponse<String> refused = server.postJson("/v1/audit/checkpoint", KEY, "");
    assertEquals(409, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("not signed: the journal differs from the newest checkpoint in 4 place(s)"),
        refused.body());
    assertEquals(report, TestServer.json(server.get("/v1/audit/checkpoint", KEY)));
    List<String> problems = new ArrayList<>();
    report.get("problems").forEach(p -> problems.add(p.get("persistenceId").asText() + " @" + p.get("seq").asLong()
        + ": " + p.get("reason").asText()));
    String seen = "the checkpoint of " + report.get("checkpointAt").asText();
    assertTrue(problems.contains("Task|" + shortened + " @" + lastOfShortened + ": the journal ends at event "
        + (lastOfShortened - 1) + "; events " + lastOfShortened + " to " + lastOfShortened + ", seen by " + seen
        + ", were removed"), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("Task|" + deleted + " @")
        && p.contains("the entity is gone from the journal")), problems.toString());
    assertTrue(problems.contains("Task|" + rewritten + " @" + lastOfRewritten + ": event " + lastOfRewritten
        + " is not the one " + seen + " signed: it, or a link before it, was rewritten"), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("Task|" + hidden + " @")
        && p.contains("were removed")), problems.toString());
    assertEquals(4, problems.size(), problems.toString());
  }

  @Test
  void aReplayNamesTheEventWhoseOutputWasRewrittenEvenWithEveryLinkRecomputed() throws Exception {
    String taskId = completedTask("Its step output will be rewritten.");
    assertTrue(TestServer.json(server.get("/v1/audit/tasks/" + taskId + "/replay", KEY)).get("ok").asBoolean());
    long stepSeq = -1;
    try (Connection db = h2()) {
      List<ObjectNode> rows = rows(db, "Task|" + taskId);
      for (int i = 0; i < rows.size(); i++) {
        if (rows.get(i).get("event").get("type").asText().equals("StepCompleted")) {
          ((ObjectNode) rows.get(i).get("event").get("output")).put("summary", "A forged summary.");
          stepSeq = i + 1;
        }
      }
      assertTrue(stepSeq > 0, rows.toString());
      relink(db, "Task|" + taskId, rows);
    }
    assertTrue(verify(taskId).get("ok").asBoolean(), "the chain holds: it was recomputed with the key");
    JsonNode replay = TestServer.json(server.get("/v1/audit/tasks/" + taskId + "/replay", KEY));
    assertEquals(false, replay.get("ok").asBoolean(), replay.toString());
    List<String> found = new ArrayList<>();
    replay.get("differences").forEach(d -> found.add(d.get("seq").asLong() + " " + d.get("event").asText() + ": "
        + d.get("what").asText()));
    // The recorded result no longer follows from the steps, and the journal no longer gives what is served.
    assertTrue(found.stream().anyMatch(d -> d.contains("TaskCompleted: recorded output")
        && d.contains("but the events before it give") && d.contains("A forged summary.")), found.toString());
    long forgedAt = stepSeq;
    assertTrue(found.stream().anyMatch(d -> d.startsWith(forgedAt + " StepCompleted: step ")
        && d.contains(" output: the journal gives") && d.contains("A forged summary.")), found.toString());
  }

  @Test
  void anAgentsJournalIsReadAndVerifiedByTheOperatorOnly() throws Exception {
    String taskId = completedTask("Which agent wrote this?");
    JsonNode task = TestServer.json(server.get("/v1/tasks/" + taskId, KEY));
    String agentId = task.get("steps").get(0).get("agentId").asText();
    JsonNode journal = TestServer.json(server.get("/v1/audit/agents/" + agentId, KEY));
    assertEquals(agentId, journal.get("agentId").asText());
    List<String> stepsRun = new ArrayList<>();
    journal.get("events").forEach(e -> stepsRun.add(e.get("event").path("stepId").asText()));
    assertTrue(stepsRun.contains(task.get("steps").get(0).get("stepId").asText()), journal.toString());
    assertTrue(journal.get("events").get(0).get("stamp").has("hash"));

    JsonNode firstPage = TestServer.json(server.get("/v1/audit/agents/" + agentId + "?limit=1", KEY));
    assertEquals(1, firstPage.get("events").size());
    if (journal.get("events").size() > 1) {
      assertEquals(2, firstPage.get("nextFromSeq").asLong());
    }
    JsonNode verified = TestServer.json(server.get("/v1/audit/agents/" + agentId + "/verify", KEY));
    assertTrue(verified.get("ok").asBoolean(), verified.toString());
    assertEquals(journal.get("events").size(), verified.get("events").asInt());

    assertEquals(403, server.get("/v1/audit/agents/" + agentId, OTHER_TENANT).statusCode());
    assertEquals(403, server.get("/v1/audit/agents/" + agentId + "/verify", OTHER_TENANT).statusCode());
    assertEquals(404, server.get("/v1/audit/agents/nobody-1", KEY).statusCode());
    assertEquals(400, server.get("/v1/audit/agents/" + agentId + "?limit=0", KEY).statusCode());
    assertEquals(400, server.get("/v1/audit/agents/" + agentId + "?fromSeq=x", KEY).statusCode());
  }
}
