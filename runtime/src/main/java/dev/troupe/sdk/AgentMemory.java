package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An agent instance's memory. Short-term: the outcomes of its most recent steps. Long-term: named
 * notes, persisted in the agent's journal and kept across restarts.
 */
public interface AgentMemory {
  /** The agent's latest completed steps, newest last. */
  List<RecentStep> recent();

  Optional<String> note(String key);

  Map<String, String> notes();

  /** Persists a note (journaled as {@code NoteRemembered}); visible to this and later steps. */
  void remember(String key, String value);

  /** One remembered step: what was asked and what came out. */
  record RecentStep(String taskId, String capability, JsonNode input, JsonNode output) {}
}
