package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/** The tools one step may use: only those its agent was granted. */
public interface Tools {
  Set<String> granted();

  Optional<ToolSpec> spec(String tool);

  /**
   * Calls a reversible tool. The stage fails with a {@link ToolException}: REFUSED for a tool not
   * granted or an irreversible one (propose it instead), INVALID_INPUT naming the schema errors,
   * TIMEOUT, or FAILED. Every call and every refusal is journaled.
   */
  CompletionStage<JsonNode> call(String tool, JsonNode input);
}
