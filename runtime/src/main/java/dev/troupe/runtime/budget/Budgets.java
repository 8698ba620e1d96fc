package dev.troupe.runtime.budget;

import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A task's token and money budget as durable state: a model call reserves its worst case before
 * it is made and settles what it really used after; both are journaled by the task (and by every
 * ancestor task, so a tree of tasks never spends more than its root allows).
 */
public interface Budgets {

  /** Reserve up to {@code tokens} and {@code costUsd} for call {@code callKey} of step {@code stepId}. */
  CompletionStage<Decision> reserve(String taskId, String stepId, String callKey, long tokens, BigDecimal costUsd);

  /** What call {@code callKey} really used; releases its reservation. */
  void settle(String taskId, String stepId, String callKey, long tokens, BigDecimal costUsd);

  /** {@code reason} says what was left when a reservation is refused. */
  record Decision(boolean granted, String reason) implements dev.troupe.persistence.TroupeSerializable {
    public static final Decision GRANTED = new Decision(true, null);

    public static Decision refused(String reason) {
      return new Decision(false, reason);
    }
  }

  /** For steps whose task has no budget (and no parent that might). */
  Budgets UNLIMITED = new Budgets() {
    @Override
    public CompletionStage<Decision> reserve(String taskId, String stepId, String callKey, long tokens,
        BigDecimal costUsd) {
      return CompletableFuture.completedFuture(Decision.GRANTED);
    }

    @Override
    public void settle(String taskId, String stepId, String callKey, long tokens, BigDecimal costUsd) {}
  };
}
