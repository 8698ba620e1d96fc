package dev.troupe.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every Troupe entity's chain head, read straight from the embedded journal's table: what a
 * checkpoint signs and what it is compared with. Only rows Troupe wrote (its JSON journal entries)
 * count; Pekko's own (remembered entities) do not. Rows marked deleted do not count either: Pekko's
 * reads skip them, and Troupe never deletes events. Blocking JDBC: call it on a blocking dispatcher.
 */
public final class JournalHeads {
  /** The serializer Troupe's journal entries are written with (jackson-json), and their manifest. */
  private static final int TROUPE_SERIALIZER = 31;
  private static final String TROUPE_MANIFEST = "dev.troupe.persistence.JournalEntry%";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String url;

  public JournalHeads(Path dataDir) {
    this(dataDir, false);
  }

  /** {@code readOnly}: for an auditor's tools, which must not change the file they read. */
  public JournalHeads(Path dataDir, boolean readOnly) {
    this.url = EmbeddedJournal.jdbcUrl(dataDir) + (readOnly ? ";ACCESS_MODE_DATA=r" : "");
  }

  /** The last event of every entity; an entity whose last row cannot be read is left out (it is quarantined). */
  public List<AuditCheckpoints.Head> current() throws SQLException {
    String sql = "SELECT j.\"persistence_id\", j.\"sequence_number\", j.\"event_payload\" FROM \"event_journal\" j"
        + " JOIN (SELECT \"persistence_id\" AS p, MAX(\"sequence_number\") AS m FROM \"event_journal\""
        + " WHERE \"event_ser_id\" = ? AND \"event_ser_manifest\" LIKE ? AND \"deleted\" = FALSE"
        + " GROUP BY \"persistence_id\") last"
        + " ON j.\"persistence_id\" = last.p AND j.\"sequence_number\" = last.m";
    List<AuditCheckpoints.Head> heads = new ArrayList<>();
    try (Connection db = connect(); PreparedStatement select = db.prepareStatement(sql)) {
      select.setInt(1, TROUPE_SERIALIZER);
      select.setString(2, TROUPE_MANIFEST);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          String persistenceId = rows.getString(1);
          long seq = rows.getLong(2);
          heads.add(new AuditCheckpoints.Head(persistenceId, seq, hashOf(rows.getBytes(3))));
        }
      }
    }
    return heads;
  }

  /** What the journal holds now for each head's entity: its last sequence number and the link at the head's. */
  public java.util.Map<AuditCheckpoints.Head, CheckpointCheck.Found> find(List<AuditCheckpoints.Head> heads)
      throws SQLException {
    java.util.Map<AuditCheckpoints.Head, CheckpointCheck.Found> found = new java.util.HashMap<>();
    try (Connection db = connect();
        PreparedStatement highest = db.prepareStatement("SELECT MAX(\"sequence_number\") FROM \"event_journal\""
            + " WHERE \"persistence_id\" = ? AND \"deleted\" = FALSE");
        PreparedStatement at = db.prepareStatement("SELECT \"event_payload\" FROM \"event_journal\""
            + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ? AND \"deleted\" = FALSE")) {
      for (AuditCheckpoints.Head head : heads) {
        highest.setString(1, head.persistenceId());
        long last;
        try (ResultSet row = highest.executeQuery()) {
          last = row.next() ? row.getLong(1) : 0;
        }
        at.setString(1, head.persistenceId());
        at.setLong(2, head.seq());
        try (ResultSet row = at.executeQuery()) {
          found.put(head, new CheckpointCheck.Found(last, row.next() ? Optional.of(hashOf(row.getBytes(1)))
              : Optional.empty()));
        }
      }
    }
    return found;
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url, EmbeddedJournal.USER, "");
  }

  /**
   * The row's link; for a row that cannot be read (its entity is quarantined), a digest of its bytes,
   * so a checkpoint still holds the entity and notices if that row changes or goes.
   */
  private static String hashOf(byte[] payload) {
    try {
      JsonNode hash = JSON.readTree(payload).path("stamp").path("hash");
      if (hash.isTextual()) {
        return hash.asText();
      }
    } catch (IOException unreadable) {
      // fall through
    }
    return "unreadable:" + java.util.HexFormat.of().formatHex(CanonicalJson.sha256().digest(payload));
  }
}
