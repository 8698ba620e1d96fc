package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** When a fan-out is done: all items completed, any one, or a quorum of n. */
public enum JoinPolicy {
  ALL,
  ANY,
  QUORUM;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static JoinPolicy fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
