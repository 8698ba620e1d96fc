package dev.troupe.runtime.bench;

import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A model that answers every prompt with a short fixed reply after {@code delayMs}. No thread is
 * parked per call: a delayed reply is a future that one shared scheduler thread completes (so
 * the dependent stages, which only record the call and tell an actor, run on that thread, as
 * they would on an HTTP client's). With 0 ms the reply is already complete when returned.
 */
final class StubModel implements ModelClient {
  private static final String REPLY = "A short stub answer of about a dozen words, as a fast model might give.";

  private final long delayMs;
  private final ScheduledExecutorService scheduler;
  final AtomicLong calls = new AtomicLong();

  StubModel(long delayMs, ScheduledExecutorService scheduler) {
    this.delayMs = delayMs;
    this.scheduler = scheduler;
  }

  @Override
  public String name() {
    return "stub-" + delayMs + "ms";
  }

  @Override
  public CompletionStage<ModelReply> complete(ModelRequest request) {
    calls.incrementAndGet();
    long in = (request.system().length() + request.prompt().length() + 3) / 4;
    ModelReply reply = new ModelReply(REPLY, name(), in, 16, BigDecimal.ZERO);
    if (delayMs <= 0) {
      return CompletableFuture.completedFuture(reply);
    }
    CompletableFuture<ModelReply> future = new CompletableFuture<>();
    scheduler.schedule(() -> future.complete(reply), delayMs, TimeUnit.MILLISECONDS);
    return future;
  }
}
