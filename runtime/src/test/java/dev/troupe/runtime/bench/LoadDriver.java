package dev.troupe.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Submits tasks through {@link TaskClient} and waits for each one's result
 * ({@link TaskClient#awaitResult}), timing submit-to-result. A task counts as completed only when
 * its status is COMPLETED and its output is the expected one; FAILED, CANCELLED, a refused
 * submission, a timed-out wait or a wrong output count as failed, each reason tallied.
 */
final class LoadDriver {
  private static final AuditActor BENCH = AuditActor.human("bench");
  /**
   * Where the driver's own callbacks run: on the thread that completed the reply. It must be
   * explicit: the stages Pekko's asks return are Scala {@code CF}s, whose non-async callbacks
   * ({@code thenCompose}, {@code handle}, ...) run on {@link CompletableFuture}'s default async pool,
   * and with fewer than 3 cores (common-pool parallelism 1) that pool starts a new thread per callback.
   */
  static final java.util.concurrent.Executor DIRECT = Runnable::run;

  /** A wall-clock limit for everything a scenario does. */
  record Deadline(String scenario, long atNanos) {
    static Deadline in(String scenario, Duration limit) {
      return new Deadline(scenario, System.nanoTime() + limit.toNanos());
    }

    long remainingMillis() {
      return Math.max(0, TimeUnit.NANOSECONDS.toMillis(atNanos - System.nanoTime()));
    }

    Duration remaining() {
      return Duration.ofMillis(remainingMillis());
    }

    TimeoutException exceeded(String what) {
      return new TimeoutException("scenario " + scenario + " ran out of time (" + EngineBench.TIMEOUT
          + ", -Dbench.timeoutMinutes) while " + what);
    }
  }

  /** What one load run measured. */
  static final class Run {
    final int tasks;
    final long[] latenciesNanos;
    final AtomicInteger recorded = new AtomicInteger();
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    final AtomicLong lastAcceptedNanos = new AtomicLong();
    long startNanos;
    long endNanos;

    Run(int tasks) {
      this.tasks = tasks;
      this.latenciesNanos = new long[tasks];
    }

    double seconds() {
      return (endNanos - startNanos) / 1e9;
    }

    double submitSeconds() {
      return (lastAcceptedNanos.get() - startNanos) / 1e9;
    }

    double completedPerSecond() {
      return completed.get() / seconds();
    }

    /** Latency percentile in ms over every task that got an answer (failed ones included). */
    double percentileMillis(double p) {
      int n = recorded.get();
      if (n == 0) {
        return Double.NaN;
      }
      long[] sorted = Arrays.copyOf(latenciesNanos, n);
      Arrays.sort(sorted);
      int index = Math.min(n - 1, Math.max(0, (int) Math.ceil(p / 100.0 * n) - 1));
      return sorted[index] / 1e6;
    }

    String failureSummary() {
      return failures.entrySet().stream()
          .sorted(Map.Entry.<String, AtomicInteger>comparingByValue(Comparator.comparingInt(AtomicInteger::get))
              .reversed())
          .limit(5).map(e -> e.getValue().get() + "x " + e.getKey()).collect(Collectors.joining("; "));
    }

    private void finish(long t0, TaskEntity.Result result, Throwable error, Predicate<JsonNode> outputOk) {
      int slot = recorded.getAndIncrement();
      if (slot < latenciesNanos.length) {
        latenciesNanos[slot] = System.nanoTime() - t0;
      }
      String why;
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        why = cause.getClass().getSimpleName() + ": " + cause.getMessage();
      } else if (result.status() == TaskStatus.COMPLETED) {
        why = outputOk.test(result.output()) ? null : "COMPLETED with an unexpected output: " + result.output();
      } else {
        why = result.status() + ": " + result.error();
      }
      if (why == null) {
        completed.incrementAndGet();
      } else {
        failed.incrementAndGet();
        String general = why.replaceAll("tsk_[0-9a-f]{8,}", "tsk_*");
        String key = general.length() > 300 ? general.substring(0, 300) + "..." : general;
        failures.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      }
    }
  }

  private final TaskClient tasks;
  private final IntFunction<TaskRequest> request;
  private final Predicate<JsonNode> outputOk;

  LoadDriver(TaskClient tasks, IntFunction<TaskRequest> request, Predicate<JsonNode> outputOk) {
    this.tasks = tasks;
    this.request = request;
    this.outputOk = outputOk;
  }

  private static String newTaskId() {
    return "tsk_" + UUID.randomUUID().toString().replace("-", "");
  }

  /** Submits one task and waits for its result; never fails, the outcome goes to {@code run}. */
  private CompletableFuture<Void> one(Run run, int n, Deadline deadline, Runnable onAccepted) {
    String taskId = newTaskId();
    long t0 = System.nanoTime();
    CompletableFuture<TaskEntity.Result> result;
    try {
      result = tasks.submit(taskId, request.apply(n), BENCH, "bench-" + n).toCompletableFuture()
          .thenComposeAsync(reply -> {
            onAccepted.run();
            if (!(reply instanceof TaskEntity.Accepted)) {
              return CompletableFuture.failedFuture(new IllegalStateException("submission not accepted: " + reply));
            }
            run.lastAcceptedNanos.accumulateAndGet(System.nanoTime(), Math::max);
            Duration wait = deadline.remaining();
            return tasks.awaitResult(taskId, wait.isZero() ? Duration.ofMillis(1) : wait).toCompletableFuture();
          }, DIRECT);
    } catch (RuntimeException e) {
      onAccepted.run();
      result = CompletableFuture.failedFuture(e);
    }
    return result.handleAsync((r, error) -> {
      run.finish(t0, r, error, outputOk);
      return null;
    }, DIRECT);
  }

  /**
   * A closed loop: {@code concurrency} tasks in flight at all times (a permit is taken before a
   * submission and given back when the task's result arrives), {@code count} tasks in all.
   */
  Run closedLoop(int count, int concurrency, Deadline deadline) throws Exception {
    Run run = new Run(count);
    Semaphore permits = new Semaphore(concurrency);
    CountDownLatch done = new CountDownLatch(count);
    run.startNanos = System.nanoTime();
    for (int n = 0; n < count; n++) {
      if (!permits.tryAcquire(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
        throw deadline.exceeded(progress(run, n));
      }
      one(run, n, deadline, () -> {}).whenComplete((ignored, error) -> {
        permits.release();
        done.countDown();
      });
    }
    if (!done.await(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
      throw deadline.exceeded(progress(run, count));
    }
    run.endNanos = System.nanoTime();
    return run;
  }

  /**
   * An open burst: all {@code count} tasks submitted as fast as the node accepts them, with at
   * most {@code submitWindow} submissions awaiting their 202-equivalent at once (so no ask times
   * out in the queue); every accepted task stays in flight until its result.
   */
  Run burst(int count, int submitWindow, Deadline deadline) throws Exception {
    Run run = new Run(count);
    Semaphore submitting = new Semaphore(submitWindow);
    CountDownLatch done = new CountDownLatch(count);
    run.startNanos = System.nanoTime();
    for (int n = 0; n < count; n++) {
      if (!submitting.tryAcquire(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
        throw deadline.exceeded(progress(run, n));
      }
      AtomicInteger once = new AtomicInteger();
      one(run, n, deadline, () -> {
        if (once.getAndIncrement() == 0) {
          submitting.release();
        }
      }).whenComplete((ignored, error) -> {
        if (once.getAndIncrement() == 0) {
          submitting.release();
        }
        done.countDown();
      });
    }
    if (!done.await(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
      throw deadline.exceeded(progress(run, count));
    }
    run.endNanos = System.nanoTime();
    return run;
  }

  private static String progress(Run run, int submitted) {
    return String.format(Locale.ROOT, "%d of %d tasks submitted, %d completed, %d failed%s", submitted, run.tasks,
        run.completed.get(), run.failed.get(), run.failures.isEmpty() ? "" : " (" + run.failureSummary() + ")");
  }
}
