package dev.troupe.runtime.agent;

import dev.troupe.runtime.model.ModelClient;
import dev.troupe.runtime.model.ModelReply;
import dev.troupe.runtime.model.ModelRequest;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model client an agent's step sees: the real client, with every call's tokens and cost
 * counted by the runtime, so usage is measured rather than reported by agent code.
 */
final class MeteredModel implements ModelClient {
  private final ModelClient delegate;
  private final AtomicReference<Usage> used = new AtomicReference<>(Usage.NONE);

  MeteredModel(ModelClient delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public CompletionStage<ModelReply> complete(ModelRequest request) {
    return delegate.complete(request).thenApply(reply -> {
      Usage call = new Usage(reply.inputTokens(), reply.outputTokens(), reply.costUsd(), 1, 0);
      used.accumulateAndGet(call, Usage::plus);
      return reply;
    });
  }

  Usage used() {
    return used.get();
  }
}
