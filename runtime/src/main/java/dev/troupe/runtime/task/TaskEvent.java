package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.runtime.agent.StepRecord;
import dev.troupe.runtime.workflow.RejectPolicy;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a task's journal records. Each carries what a reader (auditor, SSE client) needs without
 * re-deriving it. What an agent did inside a step (its model and tool calls, its notes) is in the
 * agent's journal; the events that report an agent's attempt point there ({@code agentRecord},
 * see {@link StepRecord}). Journals written before that copied those events in instead, and still
 * read as they were. The names are persisted identifiers: never rename, only add.
 */
public sealed interface TaskEvent extends DomainEvent {

  /** The task was accepted; written before the client hears 202. */
  record TaskSubmitted(
      String taskId,
      String tenant,
      String capability,
      String workflow,
      Integer workflowVersion,
      String goal,
      String parentTaskId,
      JsonNode input,
      Long maxTokens,
      BigDecimal maxCostUsd,
      Duration deadline,
      Priority priority,
      Map<String, String> labels,
      String requestHash)
      implements TaskEvent {}

  /** The workflow definition this task runs, pinned at submission: later versions do not change it. */
  record WorkflowPinned(String name, int version, WorkflowDefinition definition) implements TaskEvent {}

  /**
   * A step the task will run, with its resolved input, planned before any agent is chosen.
   * {@code name} is the workflow step's id ({@code <step>/<subtask>} for a planned subtask);
   * {@code index} is set for each run of a fan-out, {@code iteration} for each run of a loop;
   * {@code workflow} is set (instead of {@code capability}) for a subtask that runs a workflow as a
   * child task.
   */
  record StepPlanned(String stepId, String name, String capability, JsonNode input, Integer index, Integer iteration,
      String workflow)
      implements TaskEvent {
    public StepPlanned(String stepId, String name, String capability, JsonNode input, Integer index,
        Integer iteration) {
      this(stepId, name, capability, input, index, iteration, null);
    }
  }

  /** A workflow step will not run, and why (its condition was false, or a step before it was skipped). */
  record StepSkipped(String stepId, String name, String reason) implements TaskEvent {}

  /** A planned or running step was stopped (the task was cancelled, or its fan-out was already joined). */
  record StepCancelled(String stepId, String reason) implements TaskEvent {}

  /**
   * An attempt of a step was handed to the agent the marketplace ranked first; {@code choice} says
   * whom it weighed and why (absent in events from before it was recorded, and for child tasks).
   */
  record StepStarted(String stepId, String name, String capability, String agentId, int attempt,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      MarketChoice choice) implements TaskEvent {
    public StepStarted(String stepId, String name, String capability, String agentId, int attempt) {
      this(stepId, name, capability, agentId, attempt, null);
    }
  }

  /**
   * The marketplace's choice for one attempt: the best-ranked candidates it weighed (at most
   * {@link #KEPT}), why the first won, and who offered the capability but did not qualify.
   * Written left out when absent, so the events before it keep their JSON (and their links).
   */
  record MarketChoice(List<dev.troupe.runtime.market.Candidate> candidates, String why, List<String> passedOver) {
    public static final int KEPT = 3;

    public MarketChoice {
      candidates = candidates == null ? List.of() : List.copyOf(candidates);
      passedOver = passedOver == null ? List.of() : List.copyOf(passedOver);
    }

    public static MarketChoice of(dev.troupe.runtime.market.MatchReply.CapabilityMatch match) {
      return new MarketChoice(match.ranked().subList(0, Math.min(KEPT, match.ranked().size())), match.why(),
          match.passedOver());
    }
  }

  /** An agent finished a step. */
  record StepCompleted(
      String stepId, String agentId, int attempt, JsonNode output, double confidence, Usage usage, long durationMs,
      StepRecord agentRecord)
      implements TaskEvent {
    public StepCompleted(String stepId, String agentId, int attempt, JsonNode output, double confidence, Usage usage,
        long durationMs) {
      this(stepId, agentId, attempt, output, confidence, usage, durationMs, null);
    }
  }

  /**
   * An attempt failed; {@code willRetry} says whether another attempt follows. {@code agentId} is
   * null when no agent could be matched for the attempt.
   */
  record StepFailed(
      String stepId, String agentId, int attempt, String reason, boolean retryable, boolean willRetry,
      Usage usage, long durationMs, StepRecord agentRecord)
      implements TaskEvent {
    public StepFailed(String stepId, String agentId, int attempt, String reason, boolean retryable, boolean willRetry,
        Usage usage, long durationMs) {
      this(stepId, agentId, attempt, reason, retryable, willRetry, usage, durationMs, null);
    }
  }

  /** The agent asked for a human. */
  record StepEscalated(String stepId, String agentId, int attempt, String reason, Usage usage, long durationMs,
      StepRecord agentRecord)
      implements TaskEvent {
    public StepEscalated(String stepId, String agentId, int attempt, String reason, Usage usage, long durationMs) {
      this(stepId, agentId, attempt, reason, usage, durationMs, null);
    }
  }

  /**
   * Something waits for a human: an action the agent proposed (nothing runs until it is approved),
   * or, for a review, the step's output (it feeds the next step only once approved).
   */
  record ApprovalRequested(
      String approvalId, String stepId, String agentId, int attempt, String tool, JsonNode input, boolean reversible,
      String reason, Instant expiresAt, Usage usage, long durationMs, String kind, Double confidence,
      StepRecord agentRecord)
      implements TaskEvent {
    /** {@value #ACTION}: a proposed tool call; {@value #REVIEW}: a step's output, {@code input}, to review. */
    public static final String ACTION = "action";
    public static final String REVIEW = "review";

    public ApprovalRequested {
      kind = kind == null ? ACTION : kind; // events written before reviews existed
    }

    public ApprovalRequested(String approvalId, String stepId, String agentId, int attempt, String tool,
        JsonNode input, boolean reversible, String reason, Instant expiresAt, Usage usage, long durationMs) {
      this(approvalId, stepId, agentId, attempt, tool, input, reversible, reason, expiresAt, usage, durationMs, ACTION,
          null, null);
    }

    public ApprovalRequested(String approvalId, String stepId, String agentId, int attempt, String tool,
        JsonNode input, boolean reversible, String reason, Instant expiresAt, Usage usage, long durationMs, String kind,
        Double confidence) {
      this(approvalId, stepId, agentId, attempt, tool, input, reversible, reason, expiresAt, usage, durationMs, kind,
          confidence, null);
    }
  }

  /**
   * A human approved the proposed action (the stamp says who). The runtime now runs exactly that
   * call once, with the approval id as the tool's idempotency key.
   */
  record ApprovalGranted(String approvalId, String stepId, String comment) implements TaskEvent {}

  /** A human rejected the proposed action (the stamp says who); {@code policy} is what the step does. */
  record ApprovalRejected(String approvalId, String stepId, String comment, RejectPolicy policy)
      implements TaskEvent {}

  /**
   * Nobody decided by {@code expiresAt}. {@code policy} is the node's expiry policy: {@code reject}
   * (then {@code rejectPolicy} applies to the step, as for a rejection) or {@code escalate} (the
   * task stops for a human).
   */
  record ApprovalExpired(String approvalId, String stepId, String policy, RejectPolicy rejectPolicy)
      implements TaskEvent {}

  /**
   * The approved action was run: {@code outcome} is {@code ok}, {@code reconciled} (asked again of
   * an idempotent tool after a restart interrupted the first call), {@code failed}, {@code timeout}
   * or {@code in-doubt} (interrupted, not idempotent: not run again). {@code input} and {@code output}
   * are journaled masked; {@code redactions} says what was masked.
   */
  record ApprovedActionRan(
      String approvalId, String stepId, String tool, JsonNode input, JsonNode output, long latencyMs, String outcome,
      String error, List<String> redactions)
      implements TaskEvent {
    public ApprovedActionRan(String approvalId, String stepId, String tool, JsonNode input, JsonNode output,
        long latencyMs, String outcome, String error) {
      this(approvalId, stepId, tool, input, output, latencyMs, outcome, error, null);
    }
  }

  /**
   * An agent of this task's step {@code stepId} started a child task (a delegation). Recorded so a
   * cancel or a deadline of this task reaches the child.
   */
  record ChildTaskStarted(String stepId, String childTaskId) implements TaskEvent {}

  /** A model call's worst case was reserved against the task's budget before the call. */
  record BudgetReserved(String callKey, String stepId, long tokens, BigDecimal costUsd) implements TaskEvent {}

  /** What a reserved model call really used; its reservation is released. */
  record BudgetSettled(String callKey, String stepId, long tokens, BigDecimal costUsd) implements TaskEvent {}

  /** A model call the budget (the task's, or an ancestor's) could not cover: it was not made. */
  record BudgetRefused(String callKey, String stepId, long tokens, BigDecimal costUsd, String reason)
      implements TaskEvent {}

  /** The task finished with {@code output}; {@code usage} is the whole task's. */
  record TaskCompleted(JsonNode output, Usage usage) implements TaskEvent {}

  /** The task cannot finish. */
  record TaskFailed(String reason, Usage usage) implements TaskEvent {}

  /** The task stopped for a human. */
  record TaskEscalated(String reason) implements TaskEvent {}

  /**
   * A human's guidance for the task; every step from now on receives it. When the task was
   * ESCALATED, {@code resumedSteps} are the escalated steps that run again (as their next attempt)
   * with it. The stamp says who gave it.
   */
  record GuidanceGiven(String text, java.util.List<String> resumedSteps, String idempotencyKey)
      implements TaskEvent {
    public GuidanceGiven {
      resumedSteps = resumedSteps == null ? java.util.List.of() : java.util.List.copyOf(resumedSteps);
    }

    public GuidanceGiven(String text, java.util.List<String> resumedSteps) {
      this(text, resumedSteps, null);
    }
  }

  /** The task was cancelled; the stamp says by whom. */
  record TaskCancelled(String reason, Usage usage) implements TaskEvent {}
}
