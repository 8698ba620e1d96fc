package dev.troupe.config;

import java.time.Duration;

/** {@code troupe.tasks}: how a task runs its steps. */
public record TaskSettings(
    Duration stepTimeout,
    int maxAttempts,
    Duration retryBackoff,
    Duration passivateFinishedAfter,
    int stashCapacity,
    Duration matchTimeout,
    Duration approvalExpiry) {

  public static TaskSettings create(ConfigReader tasks) {
    return new TaskSettings(
        tasks.positiveDuration("step-timeout"),
        tasks.intInRange("max-attempts", 1, 100),
        tasks.positiveDuration("retry-backoff"),
        tasks.positiveDuration("passivate-finished-after"),
        tasks.intInRange("stash-capacity", 16, 1_000_000),
        tasks.positiveDuration("match-timeout"),
        tasks.positiveDuration("approval-expiry"));
  }
}
