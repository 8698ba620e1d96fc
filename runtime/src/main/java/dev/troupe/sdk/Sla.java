package dev.troupe.sdk;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * What an agent promises for one capability: 95% of steps finish within {@code p95Latency}, and a
 * step costs about {@code costUsdPerCall}. The marketplace filters on both and learns reputation
 * from how well the agent keeps the latency promise.
 */
public record Sla(Duration p95Latency, BigDecimal costUsdPerCall) {
  public Sla {
    Objects.requireNonNull(p95Latency, "p95Latency");
    Objects.requireNonNull(costUsdPerCall, "costUsdPerCall");
    if (p95Latency.isNegative() || p95Latency.isZero()) {
      throw new IllegalArgumentException("p95Latency must be positive, was " + p95Latency);
    }
    if (costUsdPerCall.signum() < 0) {
      throw new IllegalArgumentException("costUsdPerCall must not be negative, was " + costUsdPerCall);
    }
  }

  public static Sla of(Duration p95Latency, String costUsdPerCall) {
    return new Sla(p95Latency, new BigDecimal(costUsdPerCall));
  }
}
