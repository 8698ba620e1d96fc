package dev.troupe.sdk;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation with a model, after the system instructions: what the user (or the
 * runtime, on the agent's behalf) said, what the model answered (text and/or tool calls), or the
 * result of a tool call the model asked for.
 */
public sealed interface ChatMessage {

  /** Input to the model. */
  record User(String text) implements ChatMessage {
    public User {
      Objects.requireNonNull(text, "text");
    }
  }

  /** An earlier answer of the model: text, tool calls, or both. */
  record Assistant(String text, List<ToolCallRequest> toolCalls) implements ChatMessage {
    public Assistant {
      toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
      if ((text == null || text.isEmpty()) && toolCalls.isEmpty()) {
        throw new IllegalArgumentException("an assistant message needs text or tool calls");
      }
    }
  }

  /**
   * What a tool call the model asked for ({@code callId}) came to, in words or JSON the model can
   * act on; a refused call is a result too ("not granted", "input does not match the schema").
   */
  record ToolResult(String callId, String toolName, String content) implements ChatMessage {
    public ToolResult {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(toolName, "toolName");
      Objects.requireNonNull(content, "content");
    }
  }
}
