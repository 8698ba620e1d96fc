package dev.troupe.http;

import static dev.troupe.http.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.persistence.EmbeddedJournal;
import dev.troupe.runtime.agent.AgentEntity;
import dev.troupe.runtime.task.TaskClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One corrupted byte in one agent's journal and one in a task's: the node still starts and
 * serves, the two entities are quarantined and named with the sequence number that cannot be
 * read, and verify reports the broken event instead of hanging.
 */
class QuarantineIT {
  private static final String ADMIN = "quarantine-admin-key-0001";
  private static final String OTHER = "quarantine-other-auditor1";
  private static final String CONFIG = String.join("\n",
      "troupe.auth.admin-key = \"" + ADMIN + "\"",
      "troupe.auth.keys = [",
      "  { name = other, sha256 = \"" + ApiKeys.sha256Hex(OTHER) + "\", tenant = other, roles = [auditor] }",
      "]");

  @TempDir
  Path dataDir;

  private static String summarize(TestServer server, String text) throws Exception {
    HttpResponse<String> submitted = server.postJson("/v1/tasks", ADMIN,
        "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"" + text + "\"}}");
    assertEquals(202, submitted.statusCode(), submitted.body());
    String taskId = json(submitted).get("taskId").asText();
    server.await("/v1/tasks/" + taskId, ADMIN, task -> task.get("status").asText().equals("COMPLETED"),
        taskId + " completed");
    return taskId;
  }

  /** Overwrites the first byte of a stored event: the row no longer parses. */
  private long garble(String persistenceId, Long seq) throws Exception {
    try (Connection db = DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "")) {
      long at = seq == null ? 0 : seq;
      if (seq == null) {
        try (PreparedStatement last = db.prepareStatement(
            "SELECT MAX(\"sequence_number\") FROM \"event_journal\" WHERE \"persistence_id\" = ?")) {
          last.setString(1, persistenceId);
          try (ResultSet row = last.executeQuery()) {
            assertTrue(row.next());
            at = row.getLong(1);
          }
        }
      }
      byte[] bytes;
      try (PreparedStatement select = db.prepareStatement("SELECT \"event_payload\" FROM \"event_journal\""
          + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        select.setString(1, persistenceId);
        select.setLong(2, at);
        try (ResultSet row = select.executeQuery()) {
          assertTrue(row.next(), persistenceId + "/" + at);
          bytes = row.getBytes(1);
        }
      }
      bytes[0] = (byte) '!';
      try (PreparedStatement update = db.prepareStatement("UPDATE \"event_journal\" SET \"event_payload\" = ?"
          + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        update.setBytes(1, bytes);
        update.setString(2, persistenceId);
        update.setLong(3, at);
        assertEquals(1, update.executeUpdate());
      }
      return at;
    }
  }

  @Test
  void anEntityWhoseJournalCannotBeReadIsQuarantinedAndTheNodeServes() throws Exception {
    String taskId;
    try (TestServer server = TestServer.start(dataDir, CONFIG)) {
      taskId = summarize(server, "Before the damage.");
    }
    String agent = AgentEntity.persistenceId("summarizer-1");
    long agentSeq = garble(agent, null);
    String task = TaskClient.persistenceId(taskId);
    garble(task, 2L);

    try (TestServer server = TestServer.start(dataDir, CONFIG)) {
      // It started (before, it waited for summarizer-1 to advertise and gave up), and serves.
      summarize(server, "After the damage.");
      JsonNode ready = json(server.get("/health/ready", null));
      assertEquals("READY", ready.get("status").asText());
      assertEquals(2, ready.get("quarantined").asInt(), ready.toString());

      JsonNode quarantined = json(server.get("/v1/audit/quarantine", ADMIN));
      List<String> named = new ArrayList<>();
      quarantined.get("items").forEach(item -> named.add(item.get("persistenceId").asText() + "@"
          + item.get("sequenceNr").asText()));
      assertEquals(List.of(agent + "@" + agentSeq, task + "@2"), named.stream().sorted().toList(),
          quarantined.toString());
      assertEquals("{\"items\":[]}", server.get("/v1/audit/quarantine", OTHER).body(), "another tenant's");

      HttpResponse<String> verify = server.get("/v1/audit/tasks/" + taskId + "/verify", ADMIN);
      assertEquals(200, verify.statusCode(), verify.body());
      assertFalse(json(verify).get("ok").asBoolean());
      assertEquals(2, json(verify).get("firstBadSeq").asInt(), verify.body());
      assertEquals(404, server.get("/v1/audit/tasks/" + taskId + "/verify", OTHER).statusCode());
    }
  }
}
