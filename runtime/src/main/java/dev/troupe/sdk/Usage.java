package dev.troupe.sdk;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.math.BigDecimal;

/** Tokens, money and calls spent, by a step or a whole task. */
public record Usage(long inputTokens, long outputTokens, BigDecimal costUsd, int modelCalls, int toolCalls) {
  public static final Usage NONE = new Usage(0, 0, BigDecimal.ZERO, 0, 0);

  public Usage {
    costUsd = costUsd == null ? BigDecimal.ZERO : costUsd;
  }

  @JsonIgnore
  public long tokens() {
    return inputTokens + outputTokens;
  }

  public Usage plus(Usage other) {
    return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
        costUsd.add(other.costUsd), modelCalls + other.modelCalls, toolCalls + other.toolCalls);
  }
}
