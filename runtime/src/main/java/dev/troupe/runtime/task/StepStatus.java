package dev.troupe.runtime.task;

/** A step's status as API.md names it. PENDING also covers "waiting for the next attempt". */
public enum StepStatus {
  PENDING,
  RUNNING,
  WAITING_APPROVAL,
  COMPLETED,
  FAILED,
  SKIPPED,
  CANCELLED,
  /** The agent asked for a human; the task is ESCALATED. */
  ESCALATED
}
