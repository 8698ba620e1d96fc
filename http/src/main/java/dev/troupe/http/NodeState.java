package dev.troupe.http;

import dev.troupe.runtime.TroupeRuntime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the HTTP layer knows of the node: the runtime once it has started, and whether the node
 * is shutting down. Written by the guardian and coordinated shutdown, read by routes.
 */
public final class NodeState {
  private final AtomicReference<TroupeRuntime> runtime = new AtomicReference<>();
  private volatile boolean stopping;

  void started(TroupeRuntime started) {
    runtime.set(started);
  }

  void stopping() {
    stopping = true;
  }

  public Optional<TroupeRuntime> runtime() {
    return Optional.ofNullable(runtime.get());
  }

  public boolean ready() {
    return runtime.get() != null && !stopping;
  }
}
