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

  /**
   * Serving: started, not stopping, and its task lists have folded the journal as it was at start: before
   * that, lists and admission counts would be partial (a restarted node would show finished tasks
   * as running and refuse or admit on a wrong count), so neither is served.
   */
  public boolean serving() {
    TroupeRuntime started = runtime.get();
    return started != null && !stopping && started.directory().isCurrent();
  }

  /** Serving, and its journal can write: what {@code /health/ready} says. */
  public boolean ready() {
    return serving() && runtime.get().journalHealth().writable();
  }
}
