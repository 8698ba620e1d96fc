package dev.troupe.runtime.market;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.troupe.persistence.TroupeSerializable;
import java.math.BigDecimal;
import java.time.Duration;

/** One ranked agent of a match. */
public record Candidate(
    String agentId, double reputation, int inFlight, int maxConcurrent, BigDecimal costUsdPerCall,
    Duration p95Latency) implements TroupeSerializable {

  @JsonIgnore
  public double load() {
    return maxConcurrent == 0 ? 1.0 : (double) inFlight / maxConcurrent;
  }
}
