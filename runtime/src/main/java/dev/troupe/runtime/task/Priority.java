package dev.troupe.runtime.task;

/** How urgent a task is. */
public enum Priority {
  LOW,
  NORMAL,
  HIGH
}
