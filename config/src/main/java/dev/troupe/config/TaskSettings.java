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
    Duration approvalExpiry,
    RetriesExhausted onRetriesExhausted,
    ApprovalExpiry onApprovalExpiry,
    int maxSteps,
    int maxTriggerDepth) {

  /** What a proposed action nobody decided by its expiry does. */
  public enum ApprovalExpiry {
    /** It counts as rejected: the step's reject policy applies (fail, skip or continue). */
    REJECT,
    /** The task stops for a human, who resumes it with guidance (the agent proposes again) or cancels it. */
    ESCALATE
  }

  /** What a step whose retryable failures used up {@code max-attempts} does to its task. */
  public enum RetriesExhausted {
    /** The step fails; the workflow decides what that means (usually the task fails). */
    FAIL,
    /** The task stops for a human, who resumes it with guidance or cancels it. */
    ESCALATE
  }

  /** With the default policy: an exhausted step fails. */
  public TaskSettings(Duration stepTimeout, int maxAttempts, Duration retryBackoff, Duration passivateFinishedAfter,
      int stashCapacity, Duration matchTimeout, Duration approvalExpiry) {
    this(stepTimeout, maxAttempts, retryBackoff, passivateFinishedAfter, stashCapacity, matchTimeout, approvalExpiry,
        RetriesExhausted.FAIL, ApprovalExpiry.REJECT);
  }

  public TaskSettings(Duration stepTimeout, int maxAttempts, Duration retryBackoff, Duration passivateFinishedAfter,
      int stashCapacity, Duration matchTimeout, Duration approvalExpiry, RetriesExhausted onRetriesExhausted) {
    this(stepTimeout, maxAttempts, retryBackoff, passivateFinishedAfter, stashCapacity, matchTimeout, approvalExpiry,
        onRetriesExhausted, ApprovalExpiry.REJECT);
  }

  public TaskSettings(Duration stepTimeout, int maxAttempts, Duration retryBackoff, Duration passivateFinishedAfter,
      int stashCapacity, Duration matchTimeout, Duration approvalExpiry, RetriesExhausted onRetriesExhausted,
      ApprovalExpiry onApprovalExpiry) {
    this(stepTimeout, maxAttempts, retryBackoff, passivateFinishedAfter, stashCapacity, matchTimeout, approvalExpiry,
        onRetriesExhausted, onApprovalExpiry, 200, 8);
  }

  public TaskSettings(Duration stepTimeout, int maxAttempts, Duration retryBackoff, Duration passivateFinishedAfter,
      int stashCapacity, Duration matchTimeout, Duration approvalExpiry, RetriesExhausted onRetriesExhausted,
      ApprovalExpiry onApprovalExpiry, int maxSteps) {
    this(stepTimeout, maxAttempts, retryBackoff, passivateFinishedAfter, stashCapacity, matchTimeout, approvalExpiry,
        onRetriesExhausted, onApprovalExpiry, maxSteps, 8);
  }

  public static TaskSettings create(ConfigReader tasks) {
    return new TaskSettings(
        tasks.positiveDuration("step-timeout"),
        tasks.intInRange("max-attempts", 1, 100),
        tasks.positiveDuration("retry-backoff"),
        tasks.positiveDuration("passivate-finished-after"),
        tasks.intInRange("stash-capacity", 16, 1_000_000),
        tasks.positiveDuration("match-timeout"),
        tasks.positiveDuration("approval-expiry"),
        tasks.oneOf("on-retries-exhausted", RetriesExhausted.class),
        tasks.oneOf("on-approval-expiry", ApprovalExpiry.class),
        tasks.intInRange("max-steps", 1, 100_000),
        tasks.intInRange("max-trigger-depth", 1, 1_000));
  }
}
