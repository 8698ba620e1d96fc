package dev.troupe.sdk;

/** A model call took longer than {@code troupe.agents.model-timeout}. */
public final class ModelTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelTimeoutException(String message) {
    super(message);
  }
}
