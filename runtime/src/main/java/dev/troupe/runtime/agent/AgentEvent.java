package dev.troupe.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.CapabilityOffer;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/**
 * What an agent's journal records. Names are persisted identifiers: never rename, only add.
 * {@link StepActivity} events are also copied into the task's journal, so a task's timeline shows
 * every model and tool call made for it.
 */
public sealed interface AgentEvent extends DomainEvent {

  /** The definition this instance runs with; written at first start and whenever it changes. */
  record AgentConfigured(
      String agentId, String type, String role, List<CapabilityOffer> capabilities, Set<String> tools,
      String modelTier, AgentLimits limits)
      implements AgentEvent {
    public AgentConfigured {
      // Sorted, so the JSON (and so the audit hash) is the same before and after a round trip.
      tools = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(tools));
    }
  }

  /** The agent took a step; written before its code runs. */
  record StepAccepted(String taskId, String stepId, int attempt, String capability, JsonNode input)
      implements AgentEvent {}

  /** The agent declined a step, and why (a limit it enforces). */
  record StepRefused(String taskId, String stepId, int attempt, String reason) implements AgentEvent {}

  /** A long-term note, kept across restarts. */
  record NoteRemembered(String stepId, String key, String value) implements AgentEvent {}

  /** The step asked a peer for a capability, as a child task. */
  record DelegationRequested(String stepId, String childTaskId, String capability) implements AgentEvent {}

  /** How the step ended, what it used, and whether it kept the SLA's latency. */
  record StepFinished(
      String taskId, String stepId, int attempt, String capability, StepOutcome outcome, Usage usage,
      long latencyMs, boolean withinSla)
      implements AgentEvent {}

  /**
   * A whole step in one event: taken, what it did, and how it ended. Written instead of
   * {@link StepAccepted}, its activity and {@link StepFinished} when nothing in the step had to be
   * journaled before it went on (no tool call's intent, note or delegation), so a step costs the
   * journal one write. Folds exactly as those events would, in that order.
   */
  record StepRan(
      String taskId, String stepId, int attempt, String capability, JsonNode input, List<StepActivity> activity,
      StepOutcome outcome, Usage usage, long latencyMs, boolean withinSla, java.time.Instant acceptedAt)
      implements AgentEvent {
    public StepRan {
      activity = activity == null ? List.of() : List.copyOf(activity);
    }
  }

  /** The agent withdrew from the marketplace. */
  record AgentDegraded(String reason) implements AgentEvent {}

  /** The agent offers its capabilities again. */
  record AgentRestored(String reason) implements AgentEvent {}

  /** What happened inside a step: recorded by the agent and copied to the task's journal. */
  sealed interface StepActivity extends AgentEvent {
    String stepId();
  }

  /**
   * One model call: which model answered (after any fallback), tokens, cost and latency;
   * {@code error} when it failed. {@code attempts} counts the calls it took (retries and fallbacks
   * included), {@code fallbacks} says why each model before the one that answered was passed
   * over, {@code finishReason} why the model stopped. {@code prompt} and {@code reply} are what
   * the model was asked and said, masked by the redactor ({@code redactions} says what was
   * masked). {@code cached} is true for an answer reused from the cache (no call was made; it
   * cost nothing). Calls journaled before these fields existed have them null.
   */
  record ModelCalled(
      String stepId, String model, String tier, long inputTokens, long outputTokens, BigDecimal costUsd,
      long latencyMs, String error, Integer attempts, List<String> fallbacks, String finishReason, JsonNode prompt,
      JsonNode reply, List<String> redactions, Boolean cached)
      implements StepActivity {
    public ModelCalled {
      prompt = prompt == null || prompt.isNull() ? null : prompt; // read back, a JSON null is a NullNode
      reply = reply == null || reply.isNull() ? null : reply;
    }

    public ModelCalled(String stepId, String model, String tier, long inputTokens, long outputTokens,
        BigDecimal costUsd, long latencyMs, String error) {
      this(stepId, model, tier, inputTokens, outputTokens, costUsd, latencyMs, error, null, null, null, null, null,
          null, null);
    }

    public ModelCalled(String stepId, String model, String tier, long inputTokens, long outputTokens,
        BigDecimal costUsd, long latencyMs, String error, Integer attempts, List<String> fallbacks, String finishReason,
        JsonNode prompt, JsonNode reply, List<String> redactions) {
      this(stepId, model, tier, inputTokens, outputTokens, costUsd, latencyMs, error, attempts, fallbacks, finishReason,
          prompt, reply, redactions, null);
    }
  }

  /**
   * A tool is about to be called: journaled (and awaited) before the call, so that after a crash a
   * call without an outcome is known and reconciled instead of blindly run again. {@code inputHash}
   * (SHA-256 of the real input, which {@code input} may show masked) tells a later run whether
   * its call at the same position is this call or another one.
   */
  record ToolCallIntended(String stepId, String tool, String idempotencyKey, JsonNode input, List<String> redactions,
      String inputHash)
      implements StepActivity {
    public ToolCallIntended(String stepId, String tool, String idempotencyKey, JsonNode input) {
      this(stepId, tool, idempotencyKey, input, null, null);
    }

    public ToolCallIntended(String stepId, String tool, String idempotencyKey, JsonNode input,
        List<String> redactions) {
      this(stepId, tool, idempotencyKey, input, redactions, null);
    }
  }

  /**
   * One tool call or refused attempt: {@code outcome} is {@code ok}, {@code reconciled} (an
   * interrupted call asked again of an idempotent tool with the same key), {@code in-doubt} (an
   * interrupted call of a tool that is not idempotent: not run again, escalated), {@code refused},
   * {@code invalid-input}, {@code timeout} or {@code failed}. {@code redactions} says what was
   * masked in {@code input} and {@code output} before they were journaled (e.g. {@code "input:
   * email x1"}); null when nothing was.
   */
  record ToolCalled(
      String stepId, String tool, String idempotencyKey, JsonNode input, JsonNode output, long latencyMs,
      String outcome, String error, List<String> redactions)
      implements StepActivity {
    public ToolCalled(String stepId, String tool, String idempotencyKey, JsonNode input, JsonNode output,
        long latencyMs, String outcome, String error) {
      this(stepId, tool, idempotencyKey, input, output, latencyMs, outcome, error, null);
    }

    /** This call, with its input and output masked by {@code redactor} and the masking noted. */
    public ToolCalled redacted(dev.troupe.runtime.guard.Redactor redactor) {
      var in = redactor.redact(input);
      var out = redactor.redact(output);
      String maskedError = redactor.redactText(error);
      boolean errorMasked = error != null && !error.equals(maskedError);
      if (!in.changed() && !out.changed() && !errorMasked) {
        return this;
      }
      List<String> noted = new java.util.ArrayList<>(in.summary("input"));
      noted.addAll(out.summary("output"));
      if (errorMasked) {
        noted.add("error: masked");
      }
      return new ToolCalled(stepId, tool, idempotencyKey, in.json(), out.json(), latencyMs, outcome, maskedError,
          noted);
    }
  }

  /** Why the agent chose what it did. */
  record DecisionNoted(String stepId, String text) implements StepActivity {}
}
