package dev.troupe.runtime.budget;

import java.math.BigDecimal;
import java.util.Collection;

/**
 * Whether a task grants a model call's reservation: the rule its entity applies, kept pure so the
 * tests of it need no actor. A child task's reservation must also be covered by its parent (and
 * the parent's ancestors): it is granted here only once the parent granted it.
 */
public final class BudgetRules {
  private BudgetRules() {}

  /** What the task does with a reservation request. */
  public sealed interface Verdict {}

  /** The call was reserved before (the agent asked again after a restart): granted, nothing to journal. */
  public record AlreadyReserved() implements Verdict {}

  /** The task's own budget cannot cover it: journal the refusal and say why. */
  public record Refuse(String reason) implements Verdict {}

  /** The task's budget covers it and there is no parent: journal the reservation. */
  public record Grant() implements Verdict {}

  /** The task's budget covers it; its parent must confirm before it is journaled here. */
  public record AskParent(String parentTaskId) implements Verdict {}

  /** The same call is being confirmed by the parent already: refuse the second request. */
  public record Pending(String reason) implements Verdict {}

  /**
   * @param pending reservations this task is confirming with its parent right now (not journaled
   *     yet, but they count against what is left)
   * @param pendingHere whether {@code callKey} is one of them
   */
  public static Verdict reserve(BudgetLedger ledger, Budget budget, String parentTaskId,
      Collection<BudgetLedger.Reservation> pending, boolean pendingHere, String callKey, long tokens,
      BigDecimal costUsd) {
    if (ledger.reserved().containsKey(callKey)) {
      return new AlreadyReserved();
    }
    var refusal = ledger.refusal(budget, tokens, costUsd, BudgetLedger.total(pending));
    if (refusal.isPresent()) {
      return new Refuse(refusal.get());
    }
    if (parentTaskId == null) {
      return new Grant();
    }
    return pendingHere ? new Pending("call " + callKey + " is already being reserved") : new AskParent(parentTaskId);
  }
}
