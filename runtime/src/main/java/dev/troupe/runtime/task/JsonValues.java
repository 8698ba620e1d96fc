package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;

public final class JsonValues {
  private JsonValues() {}

  /** Jackson reads JSON null into a JsonNode field as NullNode; state keeps Java null for "absent". */
  public static JsonNode absentAsNull(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node;
  }
}
