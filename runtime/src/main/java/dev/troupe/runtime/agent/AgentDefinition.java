package dev.troupe.runtime.agent;

import dev.troupe.runtime.model.ModelClient;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A narrow-role agent: its id, the one sentence that says what it is for, the capabilities it
 * offers, the model it uses, and its code.
 */
public record AgentDefinition(String id, String role, List<String> capabilities, ModelClient model, AgentLogic logic) {
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern CAPABILITY = Pattern.compile("[a-z0-9]+(\\.[a-z0-9-]+)+");

  public AgentDefinition {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("agent id must match " + ID + ", was " + id);
    }
    Objects.requireNonNull(role, "role");
    capabilities = List.copyOf(capabilities);
    if (capabilities.isEmpty()) {
      throw new IllegalArgumentException("agent " + id + " must offer at least one capability");
    }
    for (String capability : capabilities) {
      if (!CAPABILITY.matcher(capability).matches()) {
        throw new IllegalArgumentException("capability must look like 'text.summarize', was " + capability);
      }
    }
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(logic, "logic");
  }
}
