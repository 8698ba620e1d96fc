package dev.troupe.runtime.guard;

import dev.troupe.config.ModelSettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One circuit breaker per name (a model, a tool; Resilience4j), all with one policy: over a sliding time
 * window, a failure rate at or above the threshold (after the minimum number of calls) opens the
 * breaker; an open breaker fails fast for a while, then lets a few probes through (half-open),
 * whose outcome closes or reopens it.
 */
public final class CircuitBreakers {
  /** Told of every change of a breaker's state. */
  public interface Listener {
    void changed(String name, String from, String to);
  }

  private final CircuitBreakerRegistry registry;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final java.util.Map<String, CircuitBreaker> breakers = new java.util.concurrent.ConcurrentHashMap<>();

  public CircuitBreakers(ModelSettings.Breaker policy) {
    this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
        .failureRateThreshold((float) policy.failureRatePercent())
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
        .slidingWindowSize((int) Math.max(1, policy.window().toSeconds()))
        .minimumNumberOfCalls(policy.minimumCalls())
        .waitDurationInOpenState(policy.openFor())
        .permittedNumberOfCallsInHalfOpenState(policy.halfOpenCalls())
        // A probe whose outcome never comes back (a call that never ended) must not hold it half-open.
        .maxWaitDurationInHalfOpenState(policy.openFor())
        .build());
  }

  /** The breaker of {@code name}, created closed on first use. */
  public CircuitBreaker of(String name) {
    // Once per name, even when several threads meet a new one at once: one listener, one journal line.
    return breakers.computeIfAbsent(name, n -> {
      CircuitBreaker breaker = registry.circuitBreaker(n);
      breaker.getEventPublisher().onStateTransition(event -> {
        String from = event.getStateTransition().getFromState().name();
        String to = event.getStateTransition().getToState().name();
        listeners.forEach(listener -> listener.changed(n, from, to));
      });
      return breaker;
    });
  }

  /** {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN} (one never called is closed). */
  public String state(String name) {
    CircuitBreaker breaker = breakers.get(name);
    return breaker == null ? "CLOSED" : breaker.getState().name();
  }

  public void listen(Listener listener) {
    listeners.add(listener);
  }
}
