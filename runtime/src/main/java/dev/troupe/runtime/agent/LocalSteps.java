package dev.troupe.runtime.agent;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The steps the agents on this node are running, so that a graceful stop of this node (and only
 * this node: other nodes' agents go on) can wait for them to finish.
 */
public final class LocalSteps {
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  void started(String agentId, String stepId) {
    running.add(agentId + "/" + stepId);
  }

  void finished(String agentId, String stepId) {
    running.remove(agentId + "/" + stepId);
  }

  /** Set once this node stops: its agents start no new steps. */
  boolean stopping() {
    return stopping;
  }

  /**
   * Stops new steps here and completes once the running ones have finished, or after
   * {@code timeout} (those are redelivered after the restart).
   */
  public CompletionStage<Integer> drain(Duration timeout) {
    stopping = true;
    CompletableFuture<Integer> drained = new CompletableFuture<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    poll(drained, deadline);
    return drained;
  }

  /**
   * On a graceful stop, once HTTP has stopped taking requests and before sharding hands its
   * entities off, the agents on this node finish the steps they are running (bounded by
   * {@code timeout}), so their tool calls are journaled with an outcome instead of left in doubt.
   * Agents on other nodes go on as before.
   */
  public void drainOnStop(ActorSystem<?> system, Duration timeout) {
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "troupe-drain-agents",
        () -> drain(timeout).thenApply(cutOff -> Done.getInstance()));
  }

  private void poll(CompletableFuture<Integer> drained, long deadline) {
    if (running.isEmpty() || System.nanoTime() >= deadline) {
      drained.complete(running.size());
      return;
    }
    // Runs on the JDK's one delay thread: a check this small needs no thread of its own.
    CompletableFuture.delayedExecutor(25, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> poll(drained, deadline));
  }
}
