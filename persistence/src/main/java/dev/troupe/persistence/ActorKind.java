package dev.troupe.persistence;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Who caused an event: an agent, a human (an API key's holder) or the runtime itself. */
public enum ActorKind {
  AGENT,
  HUMAN,
  SYSTEM;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static ActorKind fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
