package dev.troupe.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Versions the journal's one stored shape. With a migration registered, Pekko writes the
 * version into every row's manifest ({@code dev.troupe.persistence.JournalEntry#1}), so a
 * later change to an event bumps {@link #currentVersion()} and upgrades old rows here, by
 * event {@code type}, instead of editing stored events.
 */
public final class JournalEntryMigration extends JacksonMigration {
  public static final int CURRENT_VERSION = 1;

  @Override
  public int currentVersion() {
    return CURRENT_VERSION;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
