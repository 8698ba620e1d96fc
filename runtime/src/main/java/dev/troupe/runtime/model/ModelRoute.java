package dev.troupe.runtime.model;

import dev.troupe.config.ModelSettings;
import dev.troupe.runtime.guard.CircuitBreakers;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelPricing;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A configured tier as one model: its primary first, then its fallbacks in order. Each model is
 * behind its circuit breaker (an open one is passed over at once) and is tried again on transient
 * failures, after an exponential backoff with jitter that waits what the provider's
 * {@code Retry-After} asks, up to {@code max-backoff}. The answer says which model gave it, after how many calls, and why
 * each model before it was passed over; when none can answer, the failure says that for each.
 * Waits hold no thread (a delayed executor), and the caller continues on {@code executor}.
 */
public final class ModelRoute implements ModelClient {
  /** A model in the route. */
  public record Stop(String modelId, ModelClient client) {}

  private final String tier;
  private final List<Stop> stops;
  private final CircuitBreakers breakers;
  private final ModelSettings.Retry retry;
  private final Executor executor;
  private final ModelPricing pricing;

  public ModelRoute(String tier, List<Stop> stops, CircuitBreakers breakers, ModelSettings.Retry retry,
      Executor executor) {
    if (stops.isEmpty()) {
      throw new IllegalArgumentException("tier " + tier + " needs at least one model");
    }
    this.tier = tier;
    this.stops = List.copyOf(stops);
    this.breakers = breakers;
    this.retry = retry;
    this.executor = executor;
    // A budget reserves a call's worst case: the dearest model the call may end up on.
    this.pricing = new ModelPricing(
        stops.stream().map(s -> s.client().pricing().usdPerMillionInputTokens()).max(java.math.BigDecimal::compareTo)
            .orElseThrow(),
        stops.stream().map(s -> s.client().pricing().usdPerMillionOutputTokens()).max(java.math.BigDecimal::compareTo)
            .orElseThrow());
  }

  /** The primary's id: what a call that never reached a model is recorded under. */
  @Override
  public String name() {
    return stops.get(0).modelId();
  }

  @Override
  public ModelPricing pricing() {
    return pricing;
  }

  public String tier() {
    return tier;
  }

  public List<Stop> stops() {
    return stops;
  }

  @Override
  public CompletionStage<ModelReply> complete(ModelRequest request) {
    long deadline = System.nanoTime() + retry.giveUpAfter().toNanos();
    return tryModel(request, 0, 0, new ArrayList<>(), deadline)
        .whenCompleteAsync((reply, error) -> { }, executor); // the agent's code goes on on its own executor
  }

  private CompletableFuture<ModelReply> tryModel(ModelRequest request, int index, int calls, List<String> passedOver,
      long deadline) {
    if (index >= stops.size()) {
      return CompletableFuture.failedFuture(new ModelCallException("tier " + tier + ": no model could answer ("
          + String.join("; ", passedOver) + ")", false, false, null));
    }
    return attempt(request, index, 1, calls, passedOver, deadline);
  }

  private CompletableFuture<ModelReply> gaveUp(List<String> passedOver) {
    return CompletableFuture.failedFuture(new ModelCallException("tier " + tier + ": gave up after "
        + retry.giveUpAfter() + " (troupe.models.retry.give-up-after)" + (passedOver.isEmpty() ? ""
        : "; passed over: " + String.join("; ", passedOver)), true, false, null));
  }

  private CompletableFuture<ModelReply> attempt(ModelRequest request, int index, int attempt, int calls,
      List<String> passedOver, long deadline) {
    if (System.nanoTime() >= deadline) {
      return gaveUp(passedOver);
    }
    Stop stop = stops.get(index);
    CircuitBreaker breaker = breakers.of(stop.modelId());
    if (!breaker.tryAcquirePermission()) {
      passedOver.add(stop.modelId() + ": circuit breaker open");
      return tryModel(request, index + 1, calls, passedOver, deadline);
    }
    long started = System.nanoTime();
    CompletionStage<ModelReply> call;
    try {
      call = stop.client().complete(request);
      if (call == null) {
        call = CompletableFuture.failedFuture(new IllegalStateException("model " + stop.modelId() + " returned no answer"));
      }
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return call.toCompletableFuture().handle((reply, error) -> {
      long took = System.nanoTime() - started;
      if (error == null) {
        breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        return CompletableFuture.completedFuture(reply.routed(calls + 1, passedOver));
      }
      ModelCallException failure = ModelCallException.classify(stop.modelId(), error);
      if (failure.countsAgainstModel()) {
        breaker.onError(took, TimeUnit.NANOSECONDS, failure);
      } else {
        breaker.releasePermission();
      }
      if (failure.isTransient() && attempt < retry.maxAttempts()) {
        Duration wait = backoff(attempt, failure.retryAfter().orElse(Duration.ZERO));
        if (System.nanoTime() + wait.toNanos() < deadline) {
          return CompletableFuture.runAsync(() -> { },
                  CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS, executor))
              .thenCompose(waited -> attempt(request, index, attempt + 1, calls + 1, passedOver, deadline));
        }
        // Waiting that long would pass the deadline: the next model may answer sooner.
      }
      passedOver.add(failure.getMessage() + (attempt > 1 ? " (" + attempt + " calls)" : ""));
      return tryModel(request, index + 1, calls + 1, passedOver, deadline);
    }).thenCompose(next -> next);
  }

  /**
   * initial × 2^(attempt−1), ±20% jitter, at least what the provider asked, and never more than
   * the maximum (a provider asking for longer gets {@code max-backoff}).
   */
  Duration backoff(int attempt, Duration retryAfter) {
    double base = retry.initialBackoff().toMillis() * Math.pow(2, attempt - 1);
    long jittered = (long) (base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    long wait = Math.max(jittered, retryAfter.toMillis());
    return Duration.ofMillis(Math.min(wait, retry.maxBackoff().toMillis()));
  }
}
