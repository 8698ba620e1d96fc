package dev.troupe.runtime.budget;

import java.math.BigDecimal;

/** A task's hard limits; either may be absent (null). */
public record Budget(Long maxTokens, BigDecimal maxCostUsd) {
  public static final Budget UNLIMITED = new Budget(null, null);

  /** Whether any limit is set. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isLimited() {
    return maxTokens != null || maxCostUsd != null;
  }
}
