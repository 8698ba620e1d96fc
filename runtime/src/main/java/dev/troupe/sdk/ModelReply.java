package dev.troupe.sdk;

import java.math.BigDecimal;

/** What a model answered and what it cost. */
public record ModelReply(String text, String model, long inputTokens, long outputTokens, BigDecimal costUsd) {}
