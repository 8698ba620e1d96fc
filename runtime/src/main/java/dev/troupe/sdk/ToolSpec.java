package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a tool is: its name, what it does, the JSON schema its input must satisfy (checked before
 * every call), whether its effect can be undone, whether calling it twice with the same
 * idempotency key is safe, and how long a call may take.
 *
 * <p>An irreversible tool never runs straight from agent code: the agent proposes the call and
 * the runtime gates it.
 *
 * <p>A {@code cacheable} tool (a lookup whose answer does not change from one minute to the next)
 * may have its output reused for the same input when {@code troupe.cache.tools} is on.
 */
public record ToolSpec(
    String name, String description, JsonNode inputSchema, boolean reversible, boolean idempotent,
    Duration timeout, boolean cacheable) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]+(\\.[a-z0-9-]+)+");

  public ToolSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tool name must look like 'crm.record', was " + name);
    }
    Objects.requireNonNull(description, "description");
    if (inputSchema == null || !inputSchema.isObject()) {
      throw new IllegalArgumentException("tool " + name + " needs a JSON schema object for its input");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("tool " + name + " needs a positive timeout");
    }
  }
  /** A tool whose output is not cached (the default: most tools act, or read what changes). */
  public ToolSpec(String name, String description, JsonNode inputSchema, boolean reversible, boolean idempotent,
      Duration timeout) {
    this(name, description, inputSchema, reversible, idempotent, timeout, false);
  }

  /** The same tool, declared cacheable: the same input always gives the same output for a while. */
  public ToolSpec asCacheable() {
    return new ToolSpec(name, description, inputSchema, reversible, idempotent, timeout, true);
  }

}
