package dev.troupe.sdk;

import java.math.BigDecimal;

/**
 * Limits an agent instance enforces on itself; a step beyond them is refused with the reason.
 *
 * @param maxConcurrentSteps steps running at once
 * @param stepsPerMinute steps accepted in any 60-second window
 * @param spendPerDayUsd model and tool spend per UTC day
 */
public record AgentLimits(int maxConcurrentSteps, int stepsPerMinute, BigDecimal spendPerDayUsd) {
  public static final AgentLimits DEFAULT = new AgentLimits(4, 600, new BigDecimal("100"));

  public AgentLimits {
    if (maxConcurrentSteps < 1) {
      throw new IllegalArgumentException("maxConcurrentSteps must be at least 1, was " + maxConcurrentSteps);
    }
    if (stepsPerMinute < 1) {
      throw new IllegalArgumentException("stepsPerMinute must be at least 1, was " + stepsPerMinute);
    }
    if (spendPerDayUsd == null || spendPerDayUsd.signum() < 0) {
      throw new IllegalArgumentException("spendPerDayUsd must not be negative, was " + spendPerDayUsd);
    }
  }
}
