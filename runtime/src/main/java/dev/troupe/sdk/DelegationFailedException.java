package dev.troupe.sdk;

/**
 * A delegated child task ended without completing (failed or cancelled): final, so the step that
 * delegated fails for good too unless its code handles it; trying the step again would only run
 * the same child to the same end. (A child that did not finish in time is not this: that is
 * worth another try.)
 */
public final class DelegationFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String childTaskId;

  public DelegationFailedException(String childTaskId, String message) {
    super(message);
    this.childTaskId = childTaskId;
  }

  public String childTaskId() {
    return childTaskId;
  }
}
