package dev.troupe.runtime.agent;

import dev.troupe.config.AgentSettings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where agents' code runs: a bounded pool of threads per agent type, so an agent that blocks
 * holds only its own type's threads and an unrelated agent's step does not wait behind it. Steps
 * of a type beyond its threads queue for them. Threads start on demand and end after a minute
 * idle, so types that are not used hold none.
 */
public final class AgentBulkheads {
  private final Map<String, Executor> byType = new ConcurrentHashMap<>();
  private final java.util.function.Function<String, Executor> create;

  private AgentBulkheads(java.util.function.Function<String, Executor> create) {
    this.create = create;
  }

  /** A pool per type, sized by {@code troupe.agents.bulkhead-threads} (or {@code bulkheads.<type>}). */
  public static AgentBulkheads of(AgentSettings settings) {
    return new AgentBulkheads(type -> pool(type, settings.bulkheadThreads(type)));
  }

  /** Every type on one executor (tests that do not exercise isolation). */
  public static AgentBulkheads shared(Executor executor) {
    return new AgentBulkheads(type -> executor);
  }

  public Executor executorFor(String agentType) {
    return byType.computeIfAbsent(agentType, create);
  }

  /** Stops every pool's threads (the node is stopping). */
  public void shutdown() {
    byType.values().forEach(executor -> {
      if (executor instanceof ThreadPoolExecutor pool) {
        pool.shutdown();
      }
    });
  }

  private static Executor pool(String type, int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), runnable -> {
          Thread thread = new Thread(runnable, "troupe-agent-" + type + "-" + n.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
