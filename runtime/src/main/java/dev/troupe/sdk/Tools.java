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

  /**
   * Whether a call of {@code tool} must be proposed to a human rather than made: the tool is
   * irreversible, or the node lists it in {@code troupe.agents.tools-needing-approval}.
   */
  default boolean needsApproval(String tool) {
    return spec(tool).map(spec -> !spec.reversible()).orElse(false);
  }

  /**
   * What is wrong with calling {@code tool} with {@code input}, before trying: not granted, or the
   * input breaks the tool's schema (one message per problem). Empty if the call may be made or
   * proposed. Nothing is journaled.
   */
  default java.util.List<String> check(String tool, JsonNode input) {
    return spec(tool).isEmpty() ? java.util.List.of("tool " + tool + " is not granted to this agent")
        : java.util.List.of();
  }
}
