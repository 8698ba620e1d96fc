package dev.troupe.sdk;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a model answered and what it cost: text and/or tool calls (proposals the runtime checks
 * before anything runs), why it stopped ({@code stop}, {@code length}, {@code tool_calls},
 * {@code content_filter}, ...), the model that actually answered (after any fallback), and how
 * many calls it took to get this answer (retries and fallbacks included).
 */
public record ModelReply(
    String text, String model, long inputTokens, long outputTokens, BigDecimal costUsd,
    List<ToolCallRequest> toolCalls, String finishReason, int attempts, List<String> fallbacks) {

  public ModelReply {
    text = text == null ? "" : text;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    attempts = Math.max(1, attempts);
  }

  /** A text answer from one call. */
  public ModelReply(String text, String model, long inputTokens, long outputTokens, BigDecimal costUsd) {
    this(text, model, inputTokens, outputTokens, costUsd, List.of(), "stop", 1, List.of());
  }

  /** The same answer, as reached after {@code attempts} calls, with why each earlier model was passed over. */
  public ModelReply routed(int totalAttempts, List<String> passedOver) {
    return new ModelReply(text, model, inputTokens, outputTokens, costUsd, toolCalls, finishReason, totalAttempts,
        passedOver);
  }
}
