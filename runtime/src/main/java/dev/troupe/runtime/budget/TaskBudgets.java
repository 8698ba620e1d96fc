package dev.troupe.runtime.budget;

import dev.troupe.runtime.task.TaskEntity;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** Budgets kept by the task entities themselves, wherever in the cluster they live. */
public final class TaskBudgets implements Budgets {
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  public TaskBudgets(ClusterSharding sharding, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  @Override
  public CompletionStage<Decision> reserve(String taskId, String stepId, String callKey, long tokens,
      BigDecimal costUsd) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .ask(replyTo -> new TaskEntity.ReserveBudget(stepId, callKey, tokens, costUsd, replyTo), askTimeout));
  }

  @Override
  public void settle(String taskId, String stepId, String callKey, long tokens, BigDecimal costUsd) {
    // A lost settlement leaves the worst case reserved: the budget errs on the side of spending less.
    sharding.entityRefFor(TaskEntity.ENTITY_TYPE_KEY, taskId)
        .tell(new TaskEntity.SettleBudget(stepId, callKey, tokens, costUsd));
  }
}
