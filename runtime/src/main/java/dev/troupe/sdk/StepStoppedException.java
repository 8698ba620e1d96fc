package dev.troupe.sdk;

/**
 * The runtime stopped a step at its boundary: a model call its task's budget cannot cover
 * ({@code BUDGET_EXCEEDED}), or a runaway (too many model calls, the same tool call repeated).
 * The step fails for good whatever the agent's code does with this exception.
 */
public final class StepStoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StepStoppedException(String reason) {
    super(reason);
  }
}
