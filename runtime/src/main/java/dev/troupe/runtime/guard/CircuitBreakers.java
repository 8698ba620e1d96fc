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

  public CircuitBreakers(ModelSettings.Breaker policy) {
    this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
        .failureRateThreshold((float) policy.failureRatePercent())
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
        .slidingWindowSize((int) Math.max(1, policy.window().toSeconds()))
        .minimumNumberOfCalls(policy.minimumCalls())
        .waitDurationInOpenState(policy.openFor())
        .permittedNumberOfCallsInHalfOpenState(policy.halfOpenCalls())
        .build());
  }

  /** The breaker of {@code name}, created closed on first use. */
  public CircuitBreaker of(String name) {
    return registry.find(name).orElseGet(() -> {
      CircuitBreaker breaker = registry.circuitBreaker(name);
      breaker.getEventPublisher().onStateTransition(event -> {
        String from = event.getStateTransition().getFromState().name();
        String to = event.getStateTransition().getToState().name();
        listeners.forEach(listener -> listener.changed(name, from, to));
      });
      return breaker;
    });
  }

  /** {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN} (one never called is closed). */
  public String state(String name) {
    return registry.find(name).map(b -> b.getState().name()).orElse("CLOSED");
  }

  public void listen(Listener listener) {
    listeners.add(listener);
  }
}
