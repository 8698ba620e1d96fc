package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.EmbeddedJournal;
import dev.troupe.persistence.VerifyReport;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.StepOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tampering with stored rows directly in H2 is caught by verify; an untouched journal verifies. */
class JournalTamperIT {
  @TempDir
  static Path dataDir;
  private static EmbeddedNode node;

  @BeforeAll
  static void start() throws Exception {
    Agent agent = TestModels.agent("summarizer", "text.summarize",
        step -> CompletableFuture.completedFuture(StepOutcome.completed(
            JsonNodeFactory.instance.objectNode().put("summary", "orchestrated summary"), 1.0)));
    node = EmbeddedNode.start(dataDir, List.of(agent), "");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String completedTask(String taskId) throws Exception {
    TaskRequest request = TaskRequest.forCapability("default", "text.summarize", null, null,
        JsonNodeFactory.instance.objectNode().put("text", "original text"), null, null, null, Map.of(), "h");
    node.runtime.tasks().submit(taskId, request, AuditActor.human("tester"), "trace")
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      var reply = node.runtime.tasks().get(taskId).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (reply instanceof TaskEntity.Found found && found.task().status() == TaskStatus.COMPLETED) {
        return TaskClient.persistenceId(taskId);
      }
      Thread.sleep(20);
    }
    throw new AssertionError(taskId + " did not complete");
  }

  private static VerifyReport verify(String persistenceId) throws Exception {
    return node.runtime.audit().verify(persistenceId).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Connection h2() throws Exception {
    // The node's own database, opened a second time inside this JVM: what an attacker with
    // SQL access to the journal could do.
    return DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
  }

  private static byte[] payload(Connection db, String persistenceId, long seq) throws Exception {
    try (PreparedStatement select = db.prepareStatement(
        "SELECT \"event_payload\" FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
      select.setString(1, persistenceId);
      select.setLong(2, seq);
      try (ResultSet row = select.executeQuery()) {
        assertTrue(row.next(), "row " + persistenceId + "/" + seq);
        return row.getBytes(1);
      }
    }
  }

  private static void overwrite(Connection db, String persistenceId, long seq, byte[] payload) throws Exception {
    try (PreparedStatement update = db.prepareStatement(
        "UPDATE \"event_journal\" SET \"event_payload\" = ? WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
      update.setBytes(1, payload);
      update.setString(2, persistenceId);
      update.setLong(3, seq);
      assertEquals(1, update.executeUpdate());
    }
  }

  @Test
  void payloadsAreStoredInTheRowNotAsLobs() throws Exception {
    completedTask("tsk_inline");
    try (Connection db = h2(); PreparedStatement columns = db.prepareStatement(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS"
            + " WHERE COLUMN_NAME IN ('event_payload', 'snapshot_payload') ORDER BY TABLE_NAME")) {
      var rows = columns.executeQuery();
      List<String> types = new java.util.ArrayList<>();
      while (rows.next()) {
        types.add(rows.getString(1) + "." + rows.getString(2) + " " + rows.getString(3));
      }
      // H2 keeps each BLOB in a LOB store of its own (map entries and a handle per event).
      assertEquals(List.of("event_journal.event_payload BINARY VARYING", "snapshot.snapshot_payload BINARY VARYING"),
          types);
    }
  }

  @Test
  void anUntouchedJournalVerifies() throws Exception {
    assertEquals(VerifyReport.ok(5), verify(completedTask("tsk_untouched")));
  }

  @Test
  void oneChangedByteInAStoredPayloadIsDetected() throws Exception {
    String pid = completedTask("tsk_one_byte");
    try (Connection db = h2()) {
      byte[] bytes = payload(db, pid, 4);
      String json = new String(bytes, StandardCharsets.UTF_8);
      int at = json.indexOf("orchestrated summary");
      assertTrue(at > 0, json);
      bytes[at] = (byte) 'O'; // "orchestrated" -> "Orchestrated": still valid JSON
      overwrite(db, pid, 4, bytes);
    }
    VerifyReport report = verify(pid);
    assertEquals(VerifyReport.broken(3, 4, "content of event 4 does not match its hash"), report);
  }

  @Test
  void aPayloadThatNoLongerParsesIsDetected() throws Exception {
    String pid = completedTask("tsk_garbled");
    try (Connection db = h2()) {
      byte[] bytes = payload(db, pid, 2);
      bytes[0] = (byte) '!';
      overwrite(db, pid, 2, bytes);
    }
    VerifyReport report = verify(pid);
    assertEquals(false, report.ok());
    assertEquals(2L, report.firstBadSeq());
    assertTrue(report.reason().startsWith("event 2 cannot be read: "), report.reason());
  }

  @Test
  void aDeletedEventIsDetected() throws Exception {
    String pid = completedTask("tsk_deleted");
    try (Connection db = h2();
        PreparedStatement delete = db.prepareStatement(
            "DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" = 2")) {
      delete.setString(1, pid);
      assertEquals(1, delete.executeUpdate());
    }
    assertEquals(VerifyReport.broken(1, 2, "event 2 is missing (the journal continues at 3)"), verify(pid));
  }

  @Test
  void aForgedOutputWithRecomputedLinksIsDetectedWithoutTheKey() throws Exception {
    var mapper = dev.troupe.persistence.JournalAudit.journalMapper(node.runtime.audit().system());
    // Whoever writes the database but cannot read the key file: changes the task's result and
    // recomputes its link, once in the old unkeyed form and once with a key of its own.
    byte[] guessedKey = new byte[32];
    java.util.Arrays.fill(guessedKey, (byte) 7);
    var unkeyed = new dev.troupe.persistence.AuditHasher(mapper);
    var guessed = new dev.troupe.persistence.AuditHasher(mapper,
        dev.troupe.persistence.AuditKeys.of(Map.of("k1", guessedKey), null));
    for (var forger : List.of(unkeyed, guessed)) {
      String pid = completedTask(forger == unkeyed ? "tsk_forged_unkeyed" : "tsk_forged_guessed");
      long last;
      try (Connection db = h2()) {
        last = verify(pid).events();
        byte[] bytes = payload(db, pid, last);
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(bytes);
        assertEquals("TaskCompleted", json.get("event").get("type").asText(), json.toString());
        assertEquals("k1", json.get("stamp").get("keyId").asText(), "linked with the node's key");
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("event").get("output"))
            .put("summary", "forged summary");
        var entry = mapper.treeToValue(json, dev.troupe.persistence.JournalEntry.class);
        var stamp = entry.stamp();
        String keyId = forger == unkeyed ? null : "k1";
        var unhashed = new dev.troupe.persistence.AuditStamp(stamp.seq(), stamp.at(), stamp.actor(),
            stamp.traceId(), stamp.taskId(), stamp.prevHash(), null, keyId);
        var forged = new dev.troupe.persistence.JournalEntry(new dev.troupe.persistence.AuditStamp(stamp.seq(),
            stamp.at(), stamp.actor(), stamp.traceId(), stamp.taskId(), stamp.prevHash(),
            forger.hashOf(unhashed, entry.event()), keyId), entry.event());
        overwrite(db, pid, last, mapper.writeValueAsBytes(forged));
      }
      VerifyReport report = verify(pid);
      assertEquals(false, report.ok(), "forged " + (forger == unkeyed ? "unkeyed" : "with a guessed key"));
      assertEquals(last, report.firstBadSeq());
      assertEquals(forger == unkeyed
          ? "event " + last + " is linked without a key after keyed links (rewritten in the old form?)"
          : "content of event " + last + " does not match its hash", report.reason());
    }
    assertTrue(java.nio.file.Files.readString(dataDir.resolve("audit-chain.keys"))
        .contains("# unkeyed-events: refuse"), "a new journal's key file refuses unkeyed links");
  }
}
