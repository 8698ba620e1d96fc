package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One call to a model: system instructions, the conversation so far, the tools the model may
 * ask to call (their names, descriptions and input schemas), an optional JSON schema its answer
 * must satisfy (structured output), an upper bound on output tokens and a temperature
 * ({@code null}: the provider's default).
 */
public record ModelRequest(
    String system, List<ChatMessage> messages, List<ToolSpec> tools, JsonNode responseSchema, int maxOutputTokens,
    Double temperature) {

  public ModelRequest {
    system = system == null ? "" : system;
    messages = messages == null ? List.of() : List.copyOf(messages);
    tools = tools == null ? List.of() : List.copyOf(tools);
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("a model request needs at least one message");
    }
    if (maxOutputTokens < 1) {
      throw new IllegalArgumentException("maxOutputTokens must be positive, was " + maxOutputTokens);
    }
    if (responseSchema != null && !responseSchema.isObject()) {
      throw new IllegalArgumentException("responseSchema must be a JSON schema object");
    }
    if (temperature != null && (temperature.isNaN() || temperature < 0 || temperature > 2)) {
      throw new IllegalArgumentException("temperature must be 0..2, was " + temperature);
    }
  }

  /** A single prompt: the user's text after the system instructions. */
  public ModelRequest(String system, String prompt, int maxOutputTokens) {
    this(system, List.of(new ChatMessage.User(requirePrompt(prompt))), List.of(), null, maxOutputTokens, null);
  }

  /** The text of the last user message (the prompt, for a single-prompt request). */
  public String prompt() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i) instanceof ChatMessage.User user) {
        return user.text();
      }
    }
    return "";
  }

  /** A rough size of the input, in characters, for budget estimates before the call. */
  public int inputChars() {
    int chars = system.length();
    for (ChatMessage message : messages) {
      if (message instanceof ChatMessage.User user) {
        chars += user.text().length();
      } else if (message instanceof ChatMessage.Assistant assistant) {
        chars += assistant.text() == null ? 0 : assistant.text().length();
        for (ToolCallRequest call : assistant.toolCalls()) {
          chars += call.name().length() + (call.arguments() == null ? 0 : call.arguments().toString().length());
        }
      } else if (message instanceof ChatMessage.ToolResult result) {
        chars += result.content().length();
      }
    }
    for (ToolSpec tool : tools) {
      chars += tool.name().length() + tool.description().length() + tool.inputSchema().toString().length();
    }
    return chars + (responseSchema == null ? 0 : responseSchema.toString().length());
  }

  private static String requirePrompt(String prompt) {
    if (prompt == null) {
      throw new IllegalArgumentException("prompt must not be null");
    }
    return prompt;
  }
}
