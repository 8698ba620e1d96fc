package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletionStage;

/**
 * A tool agents can be granted. {@link #call} runs on the agent dispatcher; it may block, but
 * an asynchronous stage is better. It must answer within {@link ToolSpec#timeout()}.
 */
public interface Tool {
  ToolSpec spec();

  /** Runs the call; the input has already been checked against the schema. Output: a JSON object. */
  CompletionStage<JsonNode> call(ToolCall call);
}
