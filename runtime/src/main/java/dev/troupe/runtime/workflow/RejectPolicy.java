package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a rejected (or expired-as-rejected) proposal does to its step. Persisted in workflow
 * definitions by its wire name: never rename.
 */
public enum RejectPolicy {
  /** The step fails; the workflow decides what that means (usually the task fails). */
  FAIL,
  /** The run is skipped: later steps that need it are skipped too, a fan-out joins without it. */
  SKIP,
  /**
   * The step completes with {@code {"approved": false, ...}} as its output, so a later step's
   * {@code when} can take the alternative branch.
   */
  CONTINUE;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static RejectPolicy fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
