package dev.troupe.runtime.admission;

import dev.troupe.config.HttpSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.directory.TaskDirectory;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * Taking a task in, as one call: admission (in-flight limits and journal pressure), the journal
 * write, and counting the task in flight once it is accepted. What a route, or an embedding
 * application, calls instead of orchestrating the runtime itself.
 */
public final class TaskIntake {
  /** How a submission ended. */
  public sealed interface Outcome {}

  /** The task entity answered: accepted (new or repeated), a conflict, or refused by the entity. */
  public record Answered(TaskEntity.SubmitReply reply) implements Outcome {}

  /** Not taken, nothing journaled: the node is loaded; the client should retry later. */
  public record Overloaded(String reason) implements Outcome {}

  private final TaskClient tasks;
  private final TaskDirectory directory;
  private final HttpSettings.Admission limits;
  private final PendingWrites pending = new PendingWrites();
  private final LongSupplier nanoTime;

  public TaskIntake(TaskClient tasks, TaskDirectory directory, HttpSettings.Admission limits) {
    this(tasks, directory, limits, System::nanoTime);
  }

  TaskIntake(TaskClient tasks, TaskDirectory directory, HttpSettings.Admission limits, LongSupplier nanoTime) {
    this.tasks = tasks;
    this.directory = directory;
    this.limits = limits;
    this.nanoTime = nanoTime;
  }

  /**
   * Submits {@code request} as {@code taskId}. With {@code repeatable} (the id comes from an
   * Idempotency-Key) a repeat of a task that exists is answered even when the node is loaded: it
   * adds nothing.
   */
  public CompletionStage<Outcome> submit(
      String taskId, TaskRequest request, AuditActor by, String traceId, boolean repeatable) {
    long now = nanoTime.getAsLong();
    // Checked and counted in one step: concurrent submissions cannot all take the last place.
    var admission = directory.admit(taskId, request.tenant(), (total, ofTenant) -> AdmissionControl.refusal(
        request.tenant(), new AdmissionControl.Load(total, ofTenant, pending.count(), pending.oldestWait(now)), limits));
    var refusal = admission.refusal();
    if (refusal.isEmpty()) {
      return write(taskId, request, by, traceId, admission.reserved());
    }
    Outcome overloaded = new Overloaded(refusal.get());
    if (!repeatable) {
      return CompletableFuture.completedFuture(overloaded);
    }
    return tasks.get(taskId).thenCompose(found -> found instanceof TaskEntity.Found
        ? write(taskId, request, by, traceId, false) : CompletableFuture.completedFuture(overloaded));
  }

  /**
   * Why a new task of {@code tenant} would be refused now, if it would. Cheap: a caller under
   * load can answer 429 before it reads and validates the request.
   */
  public java.util.Optional<String> refusal(String tenant) {
    long now = nanoTime.getAsLong();
    var load = new AdmissionControl.Load(directory.inFlight(), directory.inFlight(tenant), pending.count(),
        pending.oldestWait(now));
    return AdmissionControl.refusal(tenant, load, limits);
  }

  /** Submissions waiting for their journal write now. */
  public int pendingWrites() {
    return pending.count();
  }

  /**
   * Journals the task. An admission ({@code admitted}) stays counted when the task was created,
   * until the journal stream delivers it; otherwise it is given back. A write that failed may still
   * have landed: it is counted once the stream delivers it.
   */
  private CompletionStage<Outcome> write(String taskId, TaskRequest request, AuditActor by, String traceId,
      boolean admitted) {
    long ticket = pending.begin(nanoTime.getAsLong());
    return tasks.submit(taskId, request, by, traceId)
        .whenComplete((reply, error) -> {
          pending.end(ticket);
          boolean created = reply instanceof TaskEntity.Accepted accepted && accepted.created();
          if (admitted && !created) {
            directory.release(taskId);
          }
        })
        .thenApply(Answered::new);
  }
}
