package dev.troupe.runtime.budget;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A task's budget as its journal tells it: what settled model calls spent, and what calls in
 * flight have reserved. What is left is the budget minus both.
 */
public record BudgetLedger(long spentTokens, BigDecimal spentCostUsd, Map<String, Reservation> reserved) {
  public static final BudgetLedger EMPTY = new BudgetLedger(0, BigDecimal.ZERO, Map.of());

  /** The worst case one call reserved. */
  public record Reservation(String stepId, long tokens, BigDecimal costUsd) {}

  public BudgetLedger {
    spentCostUsd = spentCostUsd == null ? BigDecimal.ZERO : spentCostUsd;
    reserved = reserved == null ? Map.of() : Map.copyOf(reserved);
  }

  public long reservedTokens() {
    return total(reserved.values()).tokens();
  }

  public BigDecimal reservedCostUsd() {
    return total(reserved.values()).costUsd();
  }

  /** The sum of {@code reservations}, as one reservation of no step. */
  public static Reservation total(java.util.Collection<Reservation> reservations) {
    return new Reservation(null, reservations.stream().mapToLong(Reservation::tokens).sum(),
        reservations.stream().map(Reservation::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add));
  }

  /**
   * Why {@code budget} cannot cover another {@code tokens} and {@code costUsd} on top of what is
   * spent, reserved and {@code pending} (reservations being confirmed elsewhere); empty if it can.
   */
  public Optional<String> refusal(Budget budget, long tokens, BigDecimal costUsd, Reservation pending) {
    long usedTokens = spentTokens + reservedTokens() + pending.tokens();
    if (budget.maxTokens() != null && usedTokens + tokens > budget.maxTokens()) {
      return Optional.of("the call may use up to " + tokens + " tokens and " + Math.max(0, budget.maxTokens()
          - usedTokens) + " of the task's " + budget.maxTokens() + " are left");
    }
    BigDecimal usedCost = spentCostUsd.add(reservedCostUsd()).add(pending.costUsd());
    if (budget.maxCostUsd() != null && usedCost.add(costUsd).compareTo(budget.maxCostUsd()) > 0) {
      return Optional.of("the call may cost up to " + costUsd.toPlainString() + " USD and "
          + budget.maxCostUsd().subtract(usedCost).max(BigDecimal.ZERO).toPlainString() + " of the task's "
          + budget.maxCostUsd().toPlainString() + " USD are left");
    }
    return Optional.empty();
  }

  public BudgetLedger reserve(String callKey, String stepId, long tokens, BigDecimal costUsd) {
    Map<String, Reservation> next = new LinkedHashMap<>(reserved);
    next.put(callKey, new Reservation(stepId, tokens, costUsd));
    return new BudgetLedger(spentTokens, spentCostUsd, next);
  }

  public BudgetLedger settle(String callKey, long tokens, BigDecimal costUsd) {
    Map<String, Reservation> next = new LinkedHashMap<>(reserved);
    next.remove(callKey);
    return new BudgetLedger(spentTokens + tokens, spentCostUsd.add(costUsd), next);
  }
}
