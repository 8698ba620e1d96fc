package dev.troupe.runtime.task;

/** A task's status as API.md names it. */
public enum TaskStatus {
  ACCEPTED,
  RUNNING,
  WAITING_APPROVAL,
  COMPLETED,
  FAILED,
  CANCELLED,
  ESCALATED;

  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
