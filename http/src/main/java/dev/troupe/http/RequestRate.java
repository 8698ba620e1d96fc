package dev.troupe.http;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.time.Duration;

/**
 * How many requests each API key may make per second (Resilience4j's rate limiter, one per key):
 * a key over its rate is answered 429 at once, and no other key notices. A permit is taken
 * without waiting: nothing here holds a thread.
 */
final class RequestRate {
  private final RateLimiterRegistry limiters;

  RequestRate(int perSecond) {
    this.limiters = RateLimiterRegistry.of(RateLimiterConfig.custom()
        .limitForPeriod(perSecond)
        .limitRefreshPeriod(Duration.ofSeconds(1))
        .timeoutDuration(Duration.ZERO)
        .build());
  }

  /** Whether the key {@code tenant}/{@code keyName} may make one more request now. */
  boolean allows(String tenant, String keyName) {
    RateLimiter limiter = limiters.rateLimiter(tenant + "/" + keyName);
    return limiter.acquirePermission();
  }
}
