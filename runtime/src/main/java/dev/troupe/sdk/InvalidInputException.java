package dev.troupe.sdk;

/**
 * The step's input is wrong for this agent: throwing it (or letting it escape the agent's stage)
 * fails the step for good. Running it again, on this agent or another, would not help, and it
 * says nothing about the agent's reliability.
 */
public class InvalidInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
