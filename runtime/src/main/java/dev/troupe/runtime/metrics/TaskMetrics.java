package dev.troupe.runtime.metrics;

import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.directory.TaskDirectory;
import dev.troupe.runtime.guard.CircuitBreakers;
import dev.troupe.runtime.guard.ResultCache;
import dev.troupe.runtime.model.ModelRouting;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.sdk.Usage;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * What {@code /metrics} shows, counted from the task journal as the directory folds it. Because
 * the directory folds the whole journal at start, counters are totals over the journal: a
 * restart does not reset them.
 */
public final class TaskMetrics implements TaskDirectory.Listener {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter submitted = Counter.builder().name("troupe_tasks_submitted_total")
      .help("Tasks accepted, by tenant").labelNames("tenant").register(registry);
  private final Counter finished = Counter.builder().name("troupe_tasks_finished_total")
      .help("Tasks that ended, by tenant and final status").labelNames("tenant", "status").register(registry);
  private final Counter steps = Counter.builder().name("troupe_step_attempts_total")
      .help("Step attempts that ended, by capability and outcome (completed, failed, escalated, proposed)")
      .labelNames("capability", "outcome").register(registry);
  private final Histogram stepSeconds = Histogram.builder().name("troupe_step_duration_seconds")
      .help("How long step attempts took, by capability").labelNames("capability")
      .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300).register(registry);
  private final Counter tokens = Counter.builder().name("troupe_model_tokens_total")
      .help("Model tokens used by steps, by capability").labelNames("capability").register(registry);
  private final Counter cost = Counter.builder().name("troupe_model_cost_usd_total")
      .help("Model cost of steps in US dollars, by capability").labelNames("capability").register(registry);
  private final Counter approvals = Counter.builder().name("troupe_approvals_total")
      .help("Approvals requested and decided, by kind (action, review) and event (requested, approved, rejected, "
          + "expired)").labelNames("kind", "event").register(registry);
  private final Counter budgetRefusals = Counter.builder().name("troupe_budget_refusals_total")
      .help("Model calls not made because a budget could not cover them").register(registry);

  public TaskMetrics(TaskDirectory directory) {
    GaugeWithCallback.builder().name("troupe_tasks_in_flight").help("Tasks not yet completed, failed or cancelled")
        .callback(callback -> callback.call(directory.inFlight())).register(registry);
    GaugeWithCallback.builder().name("troupe_approvals_pending").help("Approvals waiting for a human")
        .callback(callback -> callback.call(directory.pendingApprovals())).register(registry);
  }

  @Override
  public void folded(TaskState before, TaskState after, JournalEntry entry) {
    if (!(entry.event() instanceof TaskEvent event)) {
      return;
    }
    if (event instanceof TaskEvent.TaskSubmitted) {
      submitted.labelValues(after.tenant()).inc();
    } else if (event instanceof TaskEvent.TaskCompleted || event instanceof TaskEvent.TaskFailed
        || event instanceof TaskEvent.TaskCancelled) {
      finished.labelValues(after.tenant(), after.status().name()).inc();
    } else if (event instanceof TaskEvent.StepCompleted e) {
      step(after, e.stepId(), "completed", e.usage(), e.durationMs());
    } else if (event instanceof TaskEvent.StepFailed e) {
      step(after, e.stepId(), "failed", e.usage(), e.durationMs());
    } else if (event instanceof TaskEvent.StepEscalated e) {
      step(after, e.stepId(), "escalated", e.usage(), e.durationMs());
    } else if (event instanceof TaskEvent.ApprovalRequested e) {
      step(after, e.stepId(), "proposed", e.usage(), e.durationMs());
      approvals.labelValues(e.kind(), "requested").inc();
    } else if (event instanceof TaskEvent.ApprovalGranted e) {
      approvals.labelValues(kind(after, e.approvalId()), "approved").inc();
    } else if (event instanceof TaskEvent.ApprovalRejected e) {
      approvals.labelValues(kind(after, e.approvalId()), "rejected").inc();
    } else if (event instanceof TaskEvent.ApprovalExpired e) {
      approvals.labelValues(kind(after, e.approvalId()), "expired").inc();
    } else if (event instanceof TaskEvent.BudgetRefused) {
      budgetRefusals.inc();
    }
  }

  private void step(TaskState task, String stepId, String outcome, Usage usage, long durationMs) {
    // A workflow subtask runs as a child task, not through a capability.
    String capability = task.step(stepId).map(s -> s.capability()).orElse(null);
    capability = capability == null ? "workflow" : capability;
    steps.labelValues(capability, outcome).inc();
    stepSeconds.labelValues(capability).observe(durationMs / 1000.0);
    if (usage != null) {
      tokens.labelValues(capability).inc(usage.tokens());
      cost.labelValues(capability).inc(usage.costUsd().doubleValue());
    }
  }

  private static String kind(TaskState task, String approvalId) {
    return task.approval(approvalId).map(a -> a.kind()).orElse("action");
  }

  /**
   * The models' circuit breakers: {@code troupe_model_breaker_state{model, state}} is 1 for each
   * model's current state and 0 for the others; {@code troupe_model_breaker_transitions_total}
   * counts changes by the state entered.
   */
  public void watch(ModelRouting models) {
    Counter transitions = Counter.builder().name("troupe_model_breaker_transitions_total")
        .help("Circuit breaker state changes, by model and the state entered").labelNames("model", "state")
        .register(registry);
    models.breakers().listen((model, from, to) -> transitions.labelValues(model, to.toLowerCase(Locale.ROOT)).inc());
    GaugeWithCallback.builder().name("troupe_model_breaker_state")
        .help("Each model's circuit breaker: 1 for its current state (closed, open, half_open), 0 for the others")
        .labelNames("model", "state")
        .callback(callback -> models.models().forEach(model -> {
          for (String state : List.of("CLOSED", "OPEN", "HALF_OPEN")) {
            callback.call(state.equals(model.breaker()) ? 1 : 0, model.id(), state.toLowerCase(Locale.ROOT));
          }
        }))
        .register(registry);
  }

  /**
   * The tools' circuit breakers: {@code troupe_tool_breaker_transitions_total{tool, state}} counts
   * changes by the state entered (a tool appears once its breaker first changes).
   */
  public void watchTools(CircuitBreakers tools) {
    Counter transitions = Counter.builder().name("troupe_tool_breaker_transitions_total")
        .help("Tool circuit breaker state changes, by tool and the state entered").labelNames("tool", "state")
        .register(registry);
    tools.listen((tool, from, to) -> transitions.labelValues(tool, to.toLowerCase(Locale.ROOT)).inc());
  }

  private CounterWithCallback cacheRequests;
  private final java.util.List<ResultCache<?>> caches = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A result cache's hits and misses: {@code troupe_cache_requests_total{cache, result}}. */
  public synchronized void watchCache(ResultCache<?> cache) {
    caches.add(cache);
    if (cacheRequests == null) {
      cacheRequests = CounterWithCallback.builder().name("troupe_cache_requests_total")
          .help("Lookups in the result caches (models, tools), by cache and result (hit, miss)")
          .labelNames("cache", "result")
          .callback(callback -> caches.forEach(c -> {
            callback.call(c.hits(), c.name(), "hit");
            callback.call(c.misses(), c.name(), "miss");
          }))
          .register(registry);
    }
  }

  /** The Prometheus text exposition of every metric. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
}
