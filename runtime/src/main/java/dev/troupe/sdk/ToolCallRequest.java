package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A tool call a model proposes: untrusted input. The runtime checks it (granted? input valid? an
 * irreversible tool?) before anything runs. {@code name} is the tool's real name (the runtime maps
 * names a provider cannot take, such as {@code crm.record}, both ways).
 */
public record ToolCallRequest(String id, String name, JsonNode arguments) {
  public ToolCallRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
  }
}
