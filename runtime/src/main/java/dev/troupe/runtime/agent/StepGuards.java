package dev.troupe.runtime.agent;

/**
 * The runtime's limits on one step, enforced around the agent's code: at most
 * {@code maxModelCalls} model calls, at most {@code maxIdenticalToolCalls} calls of one tool with
 * the same input, and, when the task is {@code budgeted}, every model call reserved against its
 * budget first.
 */
public record StepGuards(int maxModelCalls, int maxIdenticalToolCalls, Budgets budgets, boolean budgeted) {
  public StepGuards {
    if (maxModelCalls < 1 || maxIdenticalToolCalls < 1) {
      throw new IllegalArgumentException("step limits must be positive");
    }
    budgets = budgets == null ? Budgets.UNLIMITED : budgets;
  }

  /** The node defaults, no budget. */
  public static StepGuards defaults() {
    return new StepGuards(50, 3, Budgets.UNLIMITED, false);
  }
}
