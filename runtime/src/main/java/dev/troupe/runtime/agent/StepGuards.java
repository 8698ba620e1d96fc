package dev.troupe.runtime.agent;

import dev.troupe.runtime.budget.Budgets;
/**
 * The runtime's limits on one step, enforced around the agent's code: at most
 * {@code maxModelCalls} model calls, at most {@code maxIdenticalToolCalls} calls of one tool with
 * the same input, when the task is {@code budgeted} every model call reserved against its budget
 * first, tool inputs and outputs masked by {@code redactor} before they are journaled (the
 * agent still gets the real values), {@code toolsNeedingApproval} only ever proposed, never
 * called directly, each tool behind its circuit breaker in {@code toolBreakers}, and a cacheable
 * tool's output reused from {@code toolCache} when there is one (troupe.cache.tools), and every
 * call of a tool that is not idempotent claimed in the task's {@code effects} ledger first, so no
 * agent makes a call another already made for the step (null: the agent's own journal is the only
 * ledger, as in the test kit, where one agent runs).
 */
public record StepGuards(int maxModelCalls, int maxIdenticalToolCalls, Budgets budgets, boolean budgeted,
    dev.troupe.runtime.guard.Redactor redactor, java.util.Set<String> toolsNeedingApproval,
    dev.troupe.runtime.guard.CircuitBreakers toolBreakers,
    dev.troupe.runtime.guard.ResultCache<com.fasterxml.jackson.databind.JsonNode> toolCache,
    dev.troupe.runtime.effect.EffectLedger effects) {
  public StepGuards {
    if (maxModelCalls < 1 || maxIdenticalToolCalls < 1) {
      throw new IllegalArgumentException("step limits must be positive");
    }
    budgets = budgets == null ? Budgets.UNLIMITED : budgets;
    redactor = redactor == null ? dev.troupe.runtime.guard.Redactor.NONE : redactor;
    toolsNeedingApproval = toolsNeedingApproval == null ? java.util.Set.of() : java.util.Set.copyOf(toolsNeedingApproval);
  }

  public StepGuards(int maxModelCalls, int maxIdenticalToolCalls, Budgets budgets, boolean budgeted,
      dev.troupe.runtime.guard.Redactor redactor) {
    this(maxModelCalls, maxIdenticalToolCalls, budgets, budgeted, redactor, java.util.Set.of(), null, null, null);
  }

  /** {@code toolBreakers} null: tools are called without circuit breakers (the test kit). */
  public StepGuards(int maxModelCalls, int maxIdenticalToolCalls, Budgets budgets, boolean budgeted,
      dev.troupe.runtime.guard.Redactor redactor, java.util.Set<String> toolsNeedingApproval) {
    this(maxModelCalls, maxIdenticalToolCalls, budgets, budgeted, redactor, toolsNeedingApproval, null, null, null);
  }

  /** Without a tool cache. */
  public StepGuards(int maxModelCalls, int maxIdenticalToolCalls, Budgets budgets, boolean budgeted,
      dev.troupe.runtime.guard.Redactor redactor, java.util.Set<String> toolsNeedingApproval,
      dev.troupe.runtime.guard.CircuitBreakers toolBreakers) {
    this(maxModelCalls, maxIdenticalToolCalls, budgets, budgeted, redactor, toolsNeedingApproval, toolBreakers, null,
        null);
  }

  /** Without the task's effect ledger. */
  public StepGuards(int maxModelCalls, int maxIdenticalToolCalls, Budgets budgets, boolean budgeted,
      dev.troupe.runtime.guard.Redactor redactor, java.util.Set<String> toolsNeedingApproval,
      dev.troupe.runtime.guard.CircuitBreakers toolBreakers,
      dev.troupe.runtime.guard.ResultCache<com.fasterxml.jackson.databind.JsonNode> toolCache) {
    this(maxModelCalls, maxIdenticalToolCalls, budgets, budgeted, redactor, toolsNeedingApproval, toolBreakers,
        toolCache, null);
  }

  /** The node defaults, no budget, nothing redacted. */
  public static StepGuards defaults() {
    return new StepGuards(50, 3, Budgets.UNLIMITED, false, dev.troupe.runtime.guard.Redactor.NONE);
  }
}
