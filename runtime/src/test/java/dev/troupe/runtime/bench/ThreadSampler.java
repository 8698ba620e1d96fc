package dev.troupe.runtime.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A diagnostic ({@code -Dbench.sampleThreads=true}): every few milliseconds, looks at the live
 * threads and remembers each new one once, by name pattern (digits as #) and, for unnamed
 * {@code Thread-N} threads (what {@code CompletableFuture}'s default async pool starts when the
 * common pool has parallelism 1), by the Troupe frame nearest the bottom of their stack (the
 * callback they were started for), else the first non-JDK frame. It misses threads that live
 * shorter than the sampling interval.
 */
final class ThreadSampler implements AutoCloseable {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Set<Long> seen = new HashSet<>();
  private final Map<Long, Integer> tries = new java.util.HashMap<>();
  private final Map<String, AtomicInteger> byName = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> byOrigin = new ConcurrentHashMap<>();
  private final Thread sampler;
  private volatile boolean running = true;
  private int samples;

  private ThreadSampler(long intervalMillis) {
    for (long id : THREADS.getAllThreadIds()) {
      seen.add(id);
    }
    sampler = new Thread(() -> {
      while (running) {
        sample();
        try {
          Thread.sleep(intervalMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-thread-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  static ThreadSampler startIfAsked() {
    return Boolean.getBoolean("bench.sampleThreads") ? new ThreadSampler(Long.getLong("bench.sampleMillis", 2))
        : null;
  }

  private void sample() {
    samples++;
    for (long id : THREADS.getAllThreadIds()) {
      if (seen.contains(id)) {
        continue;
      }
      ThreadInfo info = THREADS.getThreadInfo(id, 64);
      if (info == null) {
        seen.add(id);
        continue;
      }
      String name = info.getThreadName().replaceAll("\\d+", "#");
      if (!name.equals("Thread-#")) {
        seen.add(id);
        byName.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        continue;
      }
      // An unnamed thread: look again until it runs something we can name (a few tries).
      String origin = origin(info.getStackTrace());
      int tries = this.tries.merge(id, 1, Integer::sum);
      if (origin == null && tries < 20) {
        continue;
      }
      seen.add(id);
      this.tries.remove(id);
      byName.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
      byOrigin.computeIfAbsent(origin == null ? "(not seen running)" : origin, k -> new AtomicInteger())
          .incrementAndGet();
    }
  }

  /** The frame nearest the bottom that is neither the JDK's nor Scala's future plumbing. */
  private static String origin(StackTraceElement[] stack) {
    String fallback = null;
    for (int i = stack.length - 1; i >= 0; i--) {
      String c = stack[i].getClassName();
      if (c.startsWith("dev.troupe")) {
        return c.replaceAll("\\$\\$Lambda.*", "") + "." + stack[i].getMethodName();
      }
      if (fallback == null && !c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("scala.concurrent")) {
        fallback = c.replaceAll("\\$\\$Lambda.*", "") + "." + stack[i].getMethodName();
      }
    }
    return fallback;
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
    try {
      sampler.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String report() {
    return String.format(Locale.ROOT, "  new threads seen by %d samples, by name: %s%n  unnamed Thread-# by origin: %s%n",
        samples, top(byName), top(byOrigin));
  }

  private static String top(Map<String, AtomicInteger> counts) {
    return counts.entrySet().stream()
        .sorted((a, b) -> Integer.compare(b.getValue().get(), a.getValue().get())).limit(12)
        .map(e -> e.getValue().get() + "x " + e.getKey()).collect(Collectors.joining(", "));
  }
}
