package dev.troupe.runtime.agent;

import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.time.Instant;

/**
 * How well an agent has kept its promises, learned from the outcomes its journal records and
 * decayed over time, so old history counts less than recent behaviour. Pure; part of the agent's
 * state, so a restart rebuilds it from the journal (and snapshots).
 *
 * <p>A step completed within the SLA's p95 latency counts 1, completed late 0.5, a retryable
 * failure or timeout 0. Permanent failures (bad input), escalations and proposals say nothing
 * about the agent and are not counted. The score starts from a prior of 0.8 worth two outcomes,
 * so one early failure does not sink a new agent.
 *
 * @param good decayed sum of outcome credits
 * @param total decayed count of counted outcomes
 * @param updatedAt when the sums were last decayed
 */
public record Reputation(double good, double total, Instant updatedAt) {
  static final double PRIOR_SCORE = 0.8;
  static final double PRIOR_WEIGHT = 2.0;

  public static Reputation fresh(Instant at) {
    return new Reputation(0, 0, at);
  }

  /** The credit an outcome earns, or -1 when it is not counted. */
  static double credit(StepOutcome outcome, boolean withinSla) {
    if (outcome instanceof StepOutcome.Completed) {
      return withinSla ? 1.0 : 0.5;
    }
    if (outcome instanceof StepOutcome.Failed failed) {
      return failed.retryable() ? 0.0 : -1;
    }
    return -1;
  }

  public Reputation record(StepOutcome outcome, boolean withinSla, Instant at, Duration halfLife) {
    double credit = credit(outcome, withinSla);
    if (credit < 0) {
      return this;
    }
    Reputation decayed = decayedTo(at, halfLife);
    return new Reputation(decayed.good + credit, decayed.total + 1, decayed.updatedAt);
  }

  /** The score 0..1 as of {@code at}. */
  public double score(Instant at, Duration halfLife) {
    Reputation decayed = decayedTo(at, halfLife);
    return (decayed.good + PRIOR_SCORE * PRIOR_WEIGHT) / (decayed.total + PRIOR_WEIGHT);
  }

  private Reputation decayedTo(Instant at, Duration halfLife) {
    if (!at.isAfter(updatedAt)) {
      return this;
    }
    double halfLives = (double) Duration.between(updatedAt, at).toMillis() / halfLife.toMillis();
    double factor = Math.pow(0.5, halfLives);
    return new Reputation(good * factor, total * factor, at);
  }
}
