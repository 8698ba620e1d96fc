package dev.troupe.runtime.agent;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.agent.AgentEvent.StepActivity;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.AgentMemory;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An agent instance as its journal tells it. Pure: the live entity, replay and tests fold events
 * with {@link #apply}. Bounded: it keeps the last {@value #FINISHED_KEPT} finished steps (to answer
 * redeliveries without running a step twice) and the last {@value #RECENT_KEPT} outputs (the
 * short-term memory).
 */
public record AgentState(
    String agentId,
    AgentEvent.AgentConfigured configuration,
    AgentStatus status,
    Map<String, InFlightStep> inFlight,
    List<FinishedStep> finished,
    List<Instant> recentAccepts,
    LocalDate spendDay,
    BigDecimal spentThatDay,
    long completed,
    long failed,
    int consecutiveFailures,
    Reputation reputation,
    Map<String, String> notes,
    List<AgentMemory.RecentStep> recent,
    ChainHead chainHead) implements TroupeSerializable {

  public static final int FINISHED_KEPT = 200;
  public static final int RECENT_KEPT = 10;
  static final Duration RATE_WINDOW = Duration.ofMinutes(1);

  /**
   * A step the agent accepted and has not finished, with what it did so far; {@code fromSeq} is
   * where its first event is in the agent's journal.
   */
  public record InFlightStep(
      String taskId, String stepId, int attempt, String capability, JsonNode input, String traceId,
      Instant acceptedAt, List<StepActivity> activity, long fromSeq) {
    InFlightStep with(StepActivity event) {
      List<StepActivity> more = new ArrayList<>(activity);
      more.add(event);
      return new InFlightStep(taskId, stepId, attempt, capability, input, traceId, acceptedAt, List.copyOf(more),
          fromSeq);
    }
  }

  /**
   * A finished step, kept so a redelivery gets the same answer instead of a second run;
   * {@code record} is where its events are in the agent's journal.
   */
  public record FinishedStep(
      String taskId, String stepId, int attempt, StepOutcome outcome, Usage usage, long latencyMs,
      List<StepActivity> activity, StepRecord record) {}

  public static AgentState empty(String agentId) {
    return new AgentState(agentId, null, AgentStatus.AVAILABLE, Map.of(), List.of(), List.of(), null,
        BigDecimal.ZERO, 0, 0, 0, Reputation.fresh(Instant.EPOCH), Map.of(), List.of(), ChainHead.EMPTY);
  }

  public Optional<FinishedStep> finishedStep(String stepId) {
    return finished.stream().filter(f -> f.stepId().equals(stepId)).findFirst();
  }

  /**
   * The tool calls made so far for {@code stepId}, in any attempt, by idempotency key: what a new
   * run of the step must not repeat.
   */
  public Map<String, StepSession.PriorCall> priorCalls(String stepId) {
    Map<String, StepSession.PriorCall> calls = new LinkedHashMap<>();
    List<StepActivity> activity = new ArrayList<>();
    finishedStep(stepId).ifPresent(f -> activity.addAll(f.activity()));
    InFlightStep running = inFlight.get(stepId);
    if (running != null) {
      activity.addAll(running.activity());
    }
    for (StepActivity event : activity) {
      if (event instanceof AgentEvent.ToolCallIntended intent) {
        calls.put(intent.idempotencyKey(), new StepSession.PriorCall(intent, null));
      } else if (event instanceof AgentEvent.ToolCalled called && called.idempotencyKey() != null) {
        StepSession.PriorCall prior = calls.get(called.idempotencyKey());
        calls.put(called.idempotencyKey(), new StepSession.PriorCall(prior == null ? null : prior.intent(), called));
      }
    }
    return calls;
  }

  /** Spend on the UTC day of {@code now}. */
  public BigDecimal spentOn(Instant now) {
    return day(now).equals(spendDay) ? spentThatDay : BigDecimal.ZERO;
  }

  @JsonIgnore
  public double reputationScore(Instant now, Duration halfLife) {
    return reputation.score(now, halfLife);
  }

  /**
   * Why this agent must decline a new step now, if it must. {@code running} counts steps whose
   * code is running in this incarnation (the journal's in-flight list may hold steps from before
   * a restart, which are settled separately).
   */
  public Optional<String> refusal(Instant now, AgentLimits limits, int running) {
    return refusal(now, limits, running, 0);
  }

  /**
   * As {@link #refusal(Instant, AgentLimits, int)}, counting {@code acceptedNotJournaled} steps
   * taken in this incarnation whose acceptance is not in the journal yet (it is written with the
   * step's outcome) against the rate limit.
   */
  public Optional<String> refusal(Instant now, AgentLimits limits, int running, int acceptedNotJournaled) {
    if (running >= limits.maxConcurrentSteps()) {
      return Optional.of("agent " + agentId + " is running " + running + " steps, its limit is "
          + limits.maxConcurrentSteps());
    }
    long lastMinute = recentAccepts.stream().filter(t -> t.isAfter(now.minus(RATE_WINDOW))).count()
        + acceptedNotJournaled;
    if (lastMinute >= limits.stepsPerMinute()) {
      return Optional.of("agent " + agentId + " accepted " + lastMinute + " steps in the last minute, its limit is "
          + limits.stepsPerMinute());
    }
    BigDecimal spent = spentOn(now);
    if (spent.compareTo(limits.spendPerDayUsd()) >= 0) {
      return Optional.of("agent " + agentId + " spent $" + spent.toPlainString() + " today, its daily limit is $"
          + limits.spendPerDayUsd().toPlainString());
    }
    return Optional.empty();
  }

  public AgentState apply(JournalEntry entry, Duration reputationHalfLife) {
    Instant at = entry.stamp().at();
    AgentState next = fold((AgentEvent) entry.event(), at, entry.stamp().traceId(), entry.stamp().seq(),
        reputationHalfLife);
    return next.withHead(chainHead.after(entry.stamp()));
  }

  private AgentState fold(AgentEvent event, Instant at, String traceId, long seq, Duration halfLife) {
    if (event instanceof AgentEvent.AgentConfigured e) {
      return new AgentState(agentId, e, status, inFlight, finished, recentAccepts, spendDay, spentThatDay,
          completed, failed, consecutiveFailures, reputation, notes, recent, chainHead);
    }
    if (event instanceof AgentEvent.StepAccepted e) {
      Map<String, InFlightStep> steps = new LinkedHashMap<>(inFlight);
      // A step taken up again after an interruption keeps what it did before: its tool calls.
      InFlightStep interrupted = inFlight.get(e.stepId());
      steps.put(e.stepId(), new InFlightStep(e.taskId(), e.stepId(), e.attempt(), e.capability(), e.input(),
          traceId, at, interrupted == null ? List.of() : interrupted.activity(),
          interrupted == null ? seq : interrupted.fromSeq()));
      List<Instant> accepts = new ArrayList<>();
      for (Instant t : recentAccepts) {
        if (t.isAfter(at.minus(RATE_WINDOW))) {
          accepts.add(t);
        }
      }
      accepts.add(at);
      return new AgentState(agentId, configuration, status, Map.copyOf(steps), finished, List.copyOf(accepts),
          spendDay, spentThatDay, completed, failed, consecutiveFailures, reputation, notes, recent, chainHead);
    }
    if (event instanceof StepActivity e) {
      InFlightStep step = inFlight.get(e.stepId());
      if (step == null) {
        return this;
      }
      Map<String, InFlightStep> steps = new LinkedHashMap<>(inFlight);
      steps.put(e.stepId(), step.with(e));
      return new AgentState(agentId, configuration, status, Map.copyOf(steps), finished, recentAccepts, spendDay,
          spentThatDay, completed, failed, consecutiveFailures, reputation, notes, recent, chainHead);
    }
    if (event instanceof AgentEvent.NoteRemembered e) {
      Map<String, String> more = new TreeMap<>(notes);
      more.put(e.key(), e.value());
      return new AgentState(agentId, configuration, status, inFlight, finished, recentAccepts, spendDay,
          spentThatDay, completed, failed, consecutiveFailures, reputation, Map.copyOf(more), recent, chainHead);
    }
    if (event instanceof AgentEvent.StepFinished e) {
      return finish(e, at, seq, halfLife);
    }
    if (event instanceof AgentEvent.StepRan e) {
      // Taken when it started (the rate limit counts from then), written when it ended.
      AgentState next = fold(new AgentEvent.StepAccepted(e.taskId(), e.stepId(), e.attempt(), e.capability(),
          e.input()), e.acceptedAt() == null ? at : e.acceptedAt(), traceId, seq, halfLife);
      for (StepActivity activity : e.activity()) {
        next = next.fold(activity, at, traceId, seq, halfLife);
      }
      return next.finish(new AgentEvent.StepFinished(e.taskId(), e.stepId(), e.attempt(), e.capability(), e.outcome(),
          e.usage(), e.latencyMs(), e.withinSla()), at, seq, halfLife);
    }
    if (event instanceof AgentEvent.AgentDegraded) {
      return withStatus(AgentStatus.DEGRADED);
    }
    if (event instanceof AgentEvent.AgentRestored) {
      return new AgentState(agentId, configuration, AgentStatus.AVAILABLE, inFlight, finished, recentAccepts,
          spendDay, spentThatDay, completed, failed, 0, reputation, notes, recent, chainHead);
    }
    // StepRefused and DelegationRequested change nothing but the chain.
    return this;
  }

  private AgentState finish(AgentEvent.StepFinished e, Instant at, long seq, Duration halfLife) {
    Map<String, InFlightStep> steps = new LinkedHashMap<>(inFlight);
    InFlightStep step = steps.remove(e.stepId());
    List<StepActivity> activity = step == null ? List.of() : step.activity();
    List<FinishedStep> done = new ArrayList<>(finished);
    done.removeIf(f -> f.stepId().equals(e.stepId()));
    // A step finished with no acceptance in the journal (taken before a restart) spans its last event only.
    StepRecord record = new StepRecord(step == null || step.fromSeq() <= 0 ? seq : step.fromSeq(), seq);
    done.add(new FinishedStep(e.taskId(), e.stepId(), e.attempt(), e.outcome(), e.usage(), e.latencyMs(), activity,
        record));
    while (done.size() > FINISHED_KEPT) {
      done.remove(0);
    }
    boolean ok = e.outcome() instanceof StepOutcome.Completed;
    boolean counted = Reputation.credit(e.outcome(), e.withinSla()) >= 0;
    List<AgentMemory.RecentStep> window = recent;
    if (e.outcome() instanceof StepOutcome.Completed c && step != null) {
      List<AgentMemory.RecentStep> more = new ArrayList<>(recent);
      more.add(new AgentMemory.RecentStep(e.taskId(), e.capability(), step.input(), c.output()));
      while (more.size() > RECENT_KEPT) {
        more.remove(0);
      }
      window = List.copyOf(more);
    }
    LocalDate today = day(at);
    BigDecimal spent = today.equals(spendDay) ? spentThatDay.add(e.usage().costUsd()) : e.usage().costUsd();
    return new AgentState(agentId, configuration, status, Map.copyOf(steps), List.copyOf(done), recentAccepts,
        today, spent,
        completed + (ok ? 1 : 0),
        failed + (e.outcome() instanceof StepOutcome.Failed ? 1 : 0),
        ok ? 0 : counted ? consecutiveFailures + 1 : consecutiveFailures,
        reputation.record(e.outcome(), e.withinSla(), at, halfLife),
        notes, window, chainHead);
  }

  private AgentState withStatus(AgentStatus newStatus) {
    return new AgentState(agentId, configuration, newStatus, inFlight, finished, recentAccepts, spendDay,
        spentThatDay, completed, failed, consecutiveFailures, reputation, notes, recent, chainHead);
  }

  private AgentState withHead(ChainHead head) {
    return new AgentState(agentId, configuration, status, inFlight, finished, recentAccepts, spendDay,
        spentThatDay, completed, failed, consecutiveFailures, reputation, notes, recent, head);
  }

  private static LocalDate day(Instant at) {
    return at.atZone(ZoneOffset.UTC).toLocalDate();
  }
}
