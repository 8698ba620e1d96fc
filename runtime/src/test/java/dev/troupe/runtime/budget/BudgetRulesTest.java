package dev.troupe.runtime.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whether a task grants a model call's reservation, without an actor. */
class BudgetRulesTest {
  private static final Budget BUDGET = new Budget(1_000L, new BigDecimal("0.10"));
  private static final BudgetLedger SPENT = BudgetLedger.EMPTY.reserve("call-a", "s1", 300, new BigDecimal("0.03"))
      .settle("call-a", 200, new BigDecimal("0.02"));

  private static BudgetRules.Verdict reserve(BudgetLedger ledger, String parent, List<BudgetLedger.Reservation> pending,
      boolean pendingHere, String callKey, long tokens, String cost) {
    return BudgetRules.reserve(ledger, BUDGET, parent, pending, pendingHere, callKey, tokens, new BigDecimal(cost));
  }

  @Test
  void aCallReservedBeforeIsGrantedAgainWithoutAnotherReservation() {
    BudgetLedger ledger = SPENT.reserve("call-b", "s2", 500, new BigDecimal("0.05"));
    assertInstanceOf(BudgetRules.AlreadyReserved.class, reserve(ledger, null, List.of(), false, "call-b", 500, "0.05"));
  }

  @Test
  void aCallThatFitsIsGrantedHereOrAskedOfTheParent() {
    assertInstanceOf(BudgetRules.Grant.class, reserve(SPENT, null, List.of(), false, "call-b", 800, "0.08"));
    assertEquals(new BudgetRules.AskParent("parent-1"),
        reserve(SPENT, "parent-1", List.of(), false, "call-b", 800, "0.08"));
  }

  @Test
  void aCallPastWhatIsSpentAndReservedIsRefusedWithTheNumbers() {
    var refused = assertInstanceOf(BudgetRules.Refuse.class,
        reserve(SPENT, null, List.of(), false, "call-b", 801, "0.01"));
    assertEquals("the call may use up to 801 tokens and 800 of the task's 1000 are left", refused.reason());
    var tooDear = assertInstanceOf(BudgetRules.Refuse.class,
        reserve(SPENT, "parent-1", List.of(), false, "call-b", 10, "0.09"));
    assertEquals("the call may cost up to 0.09 USD and 0.08 of the task's 0.10 USD are left", tooDear.reason());
  }

  @Test
  void reservationsBeingConfirmedByTheParentCountAgainstWhatIsLeft() {
    List<BudgetLedger.Reservation> pending = List.of(new BudgetLedger.Reservation("s3", 700, BigDecimal.ZERO));
    assertInstanceOf(BudgetRules.Refuse.class, reserve(SPENT, "parent-1", pending, false, "call-c", 200, "0"));
    assertInstanceOf(BudgetRules.AskParent.class, reserve(SPENT, "parent-1", pending, false, "call-c", 100, "0"));
  }

  @Test
  void theSameCallAskedAgainWhileItsParentConfirmsIsRefusedNotReservedTwice() {
    List<BudgetLedger.Reservation> pending = List.of(new BudgetLedger.Reservation("s3", 100, BigDecimal.ZERO));
    assertEquals(new BudgetRules.Pending("call call-c is already being reserved"),
        reserve(SPENT, "parent-1", pending, true, "call-c", 100, "0"));
  }
}
