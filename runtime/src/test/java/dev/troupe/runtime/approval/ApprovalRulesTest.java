package dev.troupe.runtime.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.config.TaskSettings.ApprovalExpiry;
import dev.troupe.runtime.approval.ApprovalRules.Author;
import dev.troupe.runtime.approval.ApprovalRules.Then;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.workflow.RejectPolicy;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.sdk.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a human must look, and what their decision journals, without an actor. */
class ApprovalRulesTest {
  private static final WorkflowDefinition PLAN = Workflow.builder("careful").minConfidence(0.8)
      .step("draft", "text.summarize").done()
      .step("strict", "text.summarize").minConfidence(0.95).done()
      .step("reviewed", "text.summarize").review().onReject(RejectPolicy.SKIP).done()
      .build();

  private static Approval action() {
    return Approval.requested(new TaskEvent.ApprovalRequested("apr_t_s_1", "s", "clerk-1", 1, "billing.trigger",
        JsonNodeFactory.instance.objectNode().put("amountEur", 40), false, "bill it",
        Instant.parse("2026-11-29T12:00:00Z"), Usage.NONE, 5), Instant.parse("2026-11-29T11:00:00Z"));
  }

  private static Approval review(Double confidence) {
    return Approval.requested(new TaskEvent.ApprovalRequested("apr_t_r_2", "r", "summarizer-1", 2, null,
        JsonNodeFactory.instance.objectNode().put("summary", "unsure"), true, "low confidence",
        Instant.parse("2026-11-29T12:00:00Z"), Usage.NONE, 5, TaskEvent.ApprovalRequested.REVIEW, confidence),
        Instant.parse("2026-11-29T11:00:00Z"));
  }

  @Test
  void aReviewIsNeededWhenTheStepSaysSoOrTheConfidenceIsBelowTheStepsElseTheWorkflowsThreshold() {
    assertEquals(Optional.of("step reviewed is marked for human review"),
        ApprovalRules.reviewReason(PLAN, "reviewed", 1.0));
    assertEquals(Optional.of("the agent's confidence 0.5 is below the threshold 0.8 of step draft"),
        ApprovalRules.reviewReason(PLAN, "draft", 0.5));
    assertEquals(Optional.empty(), ApprovalRules.reviewReason(PLAN, "draft", 0.8), "at the threshold is enough");
    assertEquals(Optional.of("the agent's confidence 0.9 is below the threshold 0.95 of step strict"),
        ApprovalRules.reviewReason(PLAN, "strict", 0.9), "the step's own threshold wins");
    assertEquals(Optional.empty(), ApprovalRules.reviewReason(PLAN, "draft/sub-1", 0.1),
        "a planned subtask is not held to its planning step's settings");
  }

  @Test
  void theRejectPolicyIsTheStepsAndFailByDefault() {
    assertEquals(RejectPolicy.SKIP, ApprovalRules.rejectPolicy(PLAN, "reviewed"));
    assertEquals(RejectPolicy.FAIL, ApprovalRules.rejectPolicy(PLAN, "draft"));
    assertEquals(RejectPolicy.FAIL, ApprovalRules.rejectPolicy(PLAN, "unknown"));
  }

  @Test
  void anApprovedActionIsJournaledAsTheApproversThenRun() {
    ApprovalRules.Ruling ruling = ApprovalRules.approve(action(), "ok");
    assertEquals(Then.RUN_ACTION, ruling.then());
    assertEquals(List.of(new ApprovalRules.Journaled(Author.APPROVER,
        new TaskEvent.ApprovalGranted("apr_t_s_1", "s", "ok"))), ruling.events());
  }

  @Test
  void anApprovedReviewCompletesTheStepWithTheReviewedOutputAsTheAgents() {
    ApprovalRules.Ruling ruling = ApprovalRules.approve(review(0.5), null);
    assertEquals(Then.PLAN, ruling.then());
    assertEquals(Author.APPROVER, ruling.events().get(0).author());
    assertEquals(Author.AGENT, ruling.events().get(1).author());
    var completed = assertInstanceOf(TaskEvent.StepCompleted.class, ruling.events().get(1).event());
    assertEquals("r", completed.stepId());
    assertEquals(2, completed.attempt());
    assertEquals("unsure", completed.output().get("summary").asText());
    assertEquals(0.5, completed.confidence());
    assertEquals(1.0, ((TaskEvent.StepCompleted) ApprovalRules.approve(review(null), null).events().get(1).event())
        .confidence(), "a review without a confidence counts as sure");
  }

  @Test
  void aRejectionCarriesTheStepsPolicyAndPlansOn() {
    ApprovalRules.Ruling ruling = ApprovalRules.reject(action(), "no", RejectPolicy.SKIP);
    assertEquals(Then.PLAN, ruling.then());
    assertEquals(new TaskEvent.ApprovalRejected("apr_t_s_1", "s", "no", RejectPolicy.SKIP),
        ruling.events().get(0).event());
  }

  @Test
  void anExpiryEitherRejectsByTheStepsPolicyOrStopsTheTaskForAHuman() {
    ApprovalRules.Ruling rejected = ApprovalRules.expire(action(), ApprovalExpiry.REJECT, RejectPolicy.FAIL);
    assertEquals(Then.PLAN, rejected.then());
    assertEquals(new TaskEvent.ApprovalExpired("apr_t_s_1", "s", "reject", RejectPolicy.FAIL),
        rejected.events().get(0).event());

    ApprovalRules.Ruling escalated = ApprovalRules.expire(review(0.5), ApprovalExpiry.ESCALATE, RejectPolicy.FAIL);
    assertEquals(Then.WAIT, escalated.then());
    var expired = (TaskEvent.ApprovalExpired) escalated.events().get(0).event();
    assertEquals("escalate", expired.policy());
    assertNull(expired.rejectPolicy());
    assertEquals(new TaskEvent.TaskEscalated("approval apr_t_r_2 of the review of step r expired at "
        + "2026-11-29T12:00:00Z without a decision"), escalated.events().get(1).event());
    assertEquals(Author.ORCHESTRATOR, escalated.events().get(1).author());
  }
}
