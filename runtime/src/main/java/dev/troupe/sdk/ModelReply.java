package dev.troupe.sdk;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a model answered and what it cost: text and/or tool calls (proposals the runtime checks
 * before anything runs), why it stopped ({@code stop}, {@code length}, {@code tool_calls},
 * {@code content_filter}, ...), the model that actually answered (after any fallback), and how
 * many calls it took to get this answer (retries and fallbacks included), and whether it was
 * reused from the cache ({@code troupe.cache.models}; then it used no tokens and cost nothing).
 */
public record ModelReply(
    String text, String model, long inputTokens, long outputTokens, BigDecimal costUsd,
    List<ToolCallRequest> toolCalls, String finishReason, int attempts, List<String> fallbacks, boolean cached) {

  public ModelReply {
    text = text == null ? "" : text;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    attempts = cached ? 0 : Math.max(1, attempts);
  }

  /** An answer the model gave now (not from the cache). */
  public ModelReply(String text, String model, long inputTokens, long outputTokens, BigDecimal costUsd,
      List<ToolCallRequest> toolCalls, String finishReason, int attempts, List<String> fallbacks) {
    this(text, model, inputTokens, outputTokens, costUsd, toolCalls, finishReason, attempts, fallbacks, false);
  }

  /** A text answer from one call. */
  public ModelReply(String text, String model, long inputTokens, long outputTokens, BigDecimal costUsd) {
    this(text, model, inputTokens, outputTokens, costUsd, List.of(), "stop", 1, List.of());
  }

  /** The same answer, as reached after {@code attempts} calls, with why each earlier model was passed over. */
  public ModelReply routed(int totalAttempts, List<String> passedOver) {
    return new ModelReply(text, model, inputTokens, outputTokens, costUsd, toolCalls, finishReason, totalAttempts,
        passedOver, cached);
  }

  /** The same answer, reused from the cache: no call was made, so it used no tokens and cost nothing. */
  public ModelReply fromCache() {
    return new ModelReply(text, model, 0, 0, BigDecimal.ZERO, toolCalls, finishReason, 0, List.of(), true);
  }
}
