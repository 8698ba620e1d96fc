package dev.troupe.runtime.approval;

/** Where a proposed action stands. */
public enum ApprovalStatus {
  /** Waiting for a human. */
  PENDING,
  /** A human approved it; the runtime ran (or is running) the action once. */
  APPROVED,
  /** A human rejected it; the step's reject policy applied. */
  REJECTED,
  /** Nobody decided before it expired; the expiry policy applied. */
  EXPIRED,
  /** The task ended (cancelled, failed, deadline) before anyone decided. */
  WITHDRAWN;

  public boolean isOpen() {
    return this == PENDING;
  }
}
