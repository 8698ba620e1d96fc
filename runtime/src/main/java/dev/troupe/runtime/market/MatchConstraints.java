package dev.troupe.runtime.market;

import dev.troupe.persistence.TroupeSerializable;
import java.math.BigDecimal;
import java.time.Duration;

/** Limits a match must respect; null means no limit. */
public record MatchConstraints(BigDecimal maxCostUsdPerCall, Duration maxP95Latency) implements TroupeSerializable {
  public static final MatchConstraints NONE = new MatchConstraints(null, null);
}
