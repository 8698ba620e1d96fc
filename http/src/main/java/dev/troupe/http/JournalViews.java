package dev.troupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.audit.TaskTimeline;

/**
 * A journaled event as auditors and stream clients see it: its sequence number, its type, its
 * audit stamp and its payload, in the JSON the journal stores (so a reader can recompute the hash).
 */
final class JournalViews {
  private final ObjectMapper journalMapper;

  JournalViews(ObjectMapper journalMapper) {
    this.journalMapper = journalMapper;
  }

  ObjectNode view(long seq, JournalEntry entry) {
    ObjectNode node = journalMapper.createObjectNode();
    node.put("seq", seq);
    node.put("type", entry.eventType());
    ObjectNode stored = journalMapper.valueToTree(entry);
    node.set("stamp", stored.get("stamp"));
    node.set("event", stored.get("event"));
    return node;
  }

  ObjectNode view(StoredEntry stored) {
    return view(stored.sequenceNr(), stored.entry());
  }

  /**
   * A timeline line: as {@link #view(long, JournalEntry)}, plus the journal that holds it and,
   * for a call inside an agent's one-write step, the entry that holds it (whose stamp it carries).
   */
  ObjectNode view(TaskTimeline.Item item) {
    ObjectNode node = view(item.seq(), item.entry());
    node.put("persistenceId", item.persistenceId());
    if (item.recordedIn() != null) {
      node.put("recordedIn", item.recordedIn());
    }
    return node;
  }
}
