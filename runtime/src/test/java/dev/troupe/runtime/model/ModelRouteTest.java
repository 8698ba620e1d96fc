package dev.troupe.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.config.ModelSettings;
import dev.troupe.runtime.guard.CircuitBreakers;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelPricing;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A tier's route: retries with backoff, fallbacks, and a circuit breaker per model. */
class ModelRouteTest {
  private static final ModelSettings.Retry RETRY = new ModelSettings.Retry(3, Duration.ofMillis(10),
      Duration.ofSeconds(5));
  private static final ModelSettings.Breaker LENIENT = new ModelSettings.Breaker(50, Duration.ofSeconds(60), 100,
      Duration.ofSeconds(30), 1);

  /** A model that answers from a script: a reply, or a failure to throw. */
  private static class Scripted implements ModelClient {
    private final String name;
    private final Deque<Object> script = new ArrayDeque<>();
    private final ModelPricing pricing;
    final AtomicInteger calls = new AtomicInteger();

    Scripted(String name, ModelPricing pricing, Object... outcomes) {
      this.name = name;
      this.pricing = pricing;
      script.addAll(List.of(outcomes));
    }

    Scripted(String name, Object... outcomes) {
      this(name, ModelPricing.FREE, outcomes);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ModelPricing pricing() {
      return pricing;
    }

    @Override
    public CompletionStage<ModelReply> complete(ModelRequest request) {
      calls.incrementAndGet();
      Object next = script.size() > 1 ? script.poll() : script.peek();
      if (next instanceof RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      return CompletableFuture.completedFuture((ModelReply) next);
    }
  }

  private static ModelReply answer(String model) {
    return new ModelReply("from " + model, model, 5, 5, BigDecimal.ZERO);
  }

  private static ModelCallException rateLimited(Duration retryAfter) {
    return new ModelCallException("model primary is rate limited (HTTP 429)", true, true, retryAfter);
  }

  private static ModelCallException refused() {
    return new ModelCallException("model primary refused the credentials (HTTP 401)", false, true, null);
  }

  private static ModelRoute route(CircuitBreakers breakers, ModelSettings.Retry retry, Scripted... models) {
    return new ModelRoute("fast", java.util.Arrays.stream(models).map(m -> new ModelRoute.Stop(m.name(), m)).toList(),
        breakers, retry, Runnable::run);
  }

  private static ModelReply call(ModelRoute route) throws Exception {
    return route.complete(new ModelRequest("", "hi", 10)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aTransientFailureIsTriedAgainNoSoonerThanTheProviderAsked() throws Exception {
    Scripted primary = new Scripted("primary", rateLimited(Duration.ofMillis(300)), answer("primary"));
    long started = System.nanoTime();
    ModelReply reply = call(route(new CircuitBreakers(LENIENT), RETRY, primary));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals("primary", reply.model());
    assertEquals(2, reply.attempts(), "the answer took two calls");
    assertEquals(List.of(), reply.fallbacks());
    assertTrue(waited >= 300, "Retry-After 300 ms, backoff 10 ms: waited " + waited + " ms");
  }

  @Test
  void aPermanentFailureFallsOverAtOnceAndTheAnswerSaysWhy() throws Exception {
    Scripted primary = new Scripted("primary", refused());
    Scripted fallback = new Scripted("fallback", answer("fallback"));
    ModelReply reply = call(route(new CircuitBreakers(LENIENT), RETRY, primary, fallback));
    assertEquals("fallback", reply.model());
    assertEquals(1, primary.calls.get(), "a refused key is not tried again");
    assertEquals(2, reply.attempts());
    assertEquals(List.of("model primary refused the credentials (HTTP 401)"), reply.fallbacks());
  }

  @Test
  void retriesAreBoundedThenTheNextModelAnswers() throws Exception {
    Scripted primary = new Scripted("primary", rateLimited(null));
    Scripted fallback = new Scripted("fallback", answer("fallback"));
    ModelReply reply = call(route(new CircuitBreakers(LENIENT), RETRY, primary, fallback));
    assertEquals(3, primary.calls.get(), "max-attempts = 3");
    assertEquals(4, reply.attempts());
    assertEquals(List.of("model primary is rate limited (HTTP 429) (3 calls)"), reply.fallbacks());
  }

  @Test
  void whenNoModelCanAnswerTheFailureNamesEachModelAndWhy() {
    Scripted primary = new Scripted("primary", refused());
    Scripted fallback = new Scripted("fallback", new ModelCallException("model fallback rejected the request (HTTP 400)",
        false, false, null));
    ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> call(route(new CircuitBreakers(LENIENT), RETRY, primary, fallback)));
    ModelCallException why = assertInstanceOf(ModelCallException.class, failed.getCause());
    assertEquals("tier fast: no model could answer (model primary refused the credentials (HTTP 401); "
        + "model fallback rejected the request (HTTP 400))", why.getMessage());
  }

  @Test
  void anOpenBreakerIsPassedOverWithoutACallThenAProbeClosesIt() throws Exception {
    CircuitBreakers breakers = new CircuitBreakers(new ModelSettings.Breaker(50, Duration.ofSeconds(60), 2,
        Duration.ofMillis(300), 1));
    List<String> transitions = new java.util.concurrent.CopyOnWriteArrayList<>();
    breakers.listen((model, from, to) -> transitions.add(model + " " + from + "->" + to));
    Scripted primary = new Scripted("primary", refused(), refused(), answer("primary"));
    Scripted fallback = new Scripted("fallback", answer("fallback"));
    ModelRoute route = route(breakers, new ModelSettings.Retry(1, Duration.ofMillis(10), Duration.ofSeconds(1)),
        primary, fallback);

    call(route);
    call(route);
    assertEquals("OPEN", breakers.state("primary"), "2 calls, 2 failures");
    ModelReply passedOver = call(route);
    assertEquals(2, primary.calls.get(), "an open breaker fails fast: the primary is not called");
    assertEquals("fallback", passedOver.model());
    assertEquals(List.of("primary: circuit breaker open"), passedOver.fallbacks());

    Thread.sleep(350); // the breaker's open-for
    ModelReply probed = call(route);
    assertEquals("primary", probed.model(), "the half-open probe went through and succeeded");
    assertEquals("CLOSED", breakers.state("primary"));
    assertEquals(List.of("primary CLOSED->OPEN", "primary OPEN->HALF_OPEN", "primary HALF_OPEN->CLOSED"),
        transitions);
  }

  @Test
  void aTiersCallGivesUpAfterItsDeadlineInsteadOfCallingOnAfterTheCallerLeft() {
    // Retry-After 10 s would pass the 500 ms deadline: no waiting, the next model is asked at once.
    Scripted primary = new Scripted("primary", rateLimited(Duration.ofSeconds(10)));
    // Fails after 600 ms: by then the 500 ms the tier may take are over.
    Scripted slow = new Scripted("slow") {
      @Override
      public CompletionStage<ModelReply> complete(ModelRequest request) {
        calls.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> {
          throw new ModelCallException("model slow did not answer in time", true, true, null);
        }, CompletableFuture.delayedExecutor(600, TimeUnit.MILLISECONDS));
      }
    };
    Scripted never = new Scripted("never", answer("never"));
    ModelRoute route = route(new CircuitBreakers(LENIENT), new ModelSettings.Retry(3, Duration.ofMillis(10),
        Duration.ofSeconds(30), Duration.ofMillis(500)), primary, slow, never);
    long started = System.nanoTime();
    ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> call(route));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(failed.getCause().getMessage().startsWith("tier fast: gave up after PT0.5S"), failed.getMessage());
    assertEquals(1, primary.calls.get(), "not retried: the provider's wait would pass the deadline");
    assertEquals(1, slow.calls.get());
    assertEquals(0, never.calls.get(), "no model is called once the deadline passed");
    assertTrue(tookMs < 2_000, "gave up at the deadline, not after the 10 s the provider asked: " + tookMs);
  }

  @Test
  void aRejectedRequestDoesNotCountAgainstTheModel() throws Exception {
    CircuitBreakers breakers = new CircuitBreakers(new ModelSettings.Breaker(50, Duration.ofSeconds(60), 2,
        Duration.ofSeconds(30), 1));
    Scripted primary = new Scripted("primary", new ModelCallException("model primary rejected the request (HTTP 400)",
        false, false, null));
    Scripted fallback = new Scripted("fallback", answer("fallback"));
    ModelRoute route = route(breakers, RETRY, primary, fallback);
    for (int i = 0; i < 4; i++) {
      call(route);
    }
    assertEquals("CLOSED", breakers.state("primary"));
    assertEquals(4, primary.calls.get());
  }

  @Test
  void aBudgetReservesAtTheDearestPricesOnTheRoute() {
    Scripted cheap = new Scripted("cheap", new ModelPricing(new BigDecimal("0.15"), new BigDecimal("0.60")),
        answer("cheap"));
    Scripted dear = new Scripted("dear", new ModelPricing(new BigDecimal("3"), new BigDecimal("0.50")),
        answer("dear"));
    ModelPricing pricing = route(new CircuitBreakers(LENIENT), RETRY, cheap, dear).pricing();
    assertEquals(new BigDecimal("3"), pricing.usdPerMillionInputTokens());
    assertEquals(new BigDecimal("0.60"), pricing.usdPerMillionOutputTokens());
  }

  @Test
  void theBackoffGrowsWithJitterWaitsForRetryAfterAndStaysUnderTheMaximum() {
    ModelRoute route = route(new CircuitBreakers(LENIENT), new ModelSettings.Retry(5, Duration.ofMillis(100),
        Duration.ofSeconds(2)), new Scripted("m", answer("m")));
    for (int i = 0; i < 50; i++) {
      long first = route.backoff(1, Duration.ZERO).toMillis();
      long third = route.backoff(3, Duration.ZERO).toMillis();
      assertTrue(first >= 80 && first <= 120, "100 ms ± 20%: " + first);
      assertTrue(third >= 320 && third <= 480, "400 ms ± 20%: " + third);
    }
    assertEquals(Duration.ofMillis(1500), route.backoff(1, Duration.ofMillis(1500)));
    assertEquals(Duration.ofSeconds(2), route.backoff(1, Duration.ofSeconds(30)), "capped at max-backoff");
  }
}
