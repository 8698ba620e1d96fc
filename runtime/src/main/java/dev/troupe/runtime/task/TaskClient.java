package dev.troupe.runtime.task;

import dev.troupe.persistence.AuditActor;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** How the rest of the node talks to tasks, wherever in the cluster they live. */
public final class TaskClient {
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  public TaskClient(ClusterSharding sharding, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  /** Completes once the task is journaled (or refused); never before. */
  public CompletionStage<TaskEntity.SubmitReply> submit(
      String taskId, TaskRequest request, AuditActor submittedBy, String traceId) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .ask(replyTo -> new TaskEntity.Submit(request, submittedBy, traceId, replyTo), askTimeout));
  }

  public CompletionStage<TaskEntity.CancelReply> cancel(String taskId, String reason, AuditActor by) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .ask(replyTo -> new TaskEntity.Cancel(reason, by, replyTo), askTimeout));
  }

  /** Completes once the guidance is journaled (or the task had already finished). */
  public CompletionStage<TaskEntity.GuidanceReply> giveGuidance(String taskId, String text, AuditActor by) {
    return giveGuidance(taskId, text, by, null);
  }

  /** With an Idempotency-Key: the same guidance again journals nothing more. */
  public CompletionStage<TaskEntity.GuidanceReply> giveGuidance(String taskId, String text, AuditActor by,
      String idempotencyKey) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .ask(replyTo -> new TaskEntity.GiveGuidance(text, by, idempotencyKey, replyTo), askTimeout));
  }

  /** Approve or reject; completes once the decision is journaled (or refused). */
  public CompletionStage<TaskEntity.DecisionReply> decide(
      String taskId, String approvalId, TaskEntity.Decision decision, String comment, AuditActor by) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .ask(replyTo -> new TaskEntity.DecideApproval(approvalId, decision, comment, by, replyTo), askTimeout));
  }

  public CompletionStage<TaskEntity.DecisionReply> approval(String taskId, String approvalId) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .ask(replyTo -> new TaskEntity.GetApproval(approvalId, replyTo), askTimeout));
  }

  public CompletionStage<TaskEntity.GetReply> get(String taskId) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .ask(TaskEntity.Get::new, askTimeout));
  }

  /** Completes when the task is COMPLETED, FAILED or CANCELLED, or fails after {@code timeout}. */
  public CompletionStage<TaskEntity.Result> awaitResult(String taskId, Duration timeout) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId).ask(TaskEntity.AwaitResult::new, timeout));
  }

  /** Tells {@code parentTaskId} that its step {@code stepId} started {@code childTaskId} (a delegation). */
  public void childStarted(String parentTaskId, String stepId, String childTaskId) {
    sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, parentTaskId)
        .tell(new TaskEntity.ChildStarted(stepId, childTaskId));
  }

  public static String persistenceId(String taskId) {
    return TaskEntity.ENTITY_TYPE_KEY.name() + "|" + taskId;
  }
}
