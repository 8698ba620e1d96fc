package dev.troupe.sdk;

/** One chat completion: instructions, the user's prompt, and an upper bound on output. */
public record ModelRequest(String system, String prompt, int maxOutputTokens) {
  public ModelRequest {
    if (prompt == null) {
      throw new IllegalArgumentException("prompt must not be null");
    }
    if (maxOutputTokens < 1) {
      throw new IllegalArgumentException("maxOutputTokens must be positive, was " + maxOutputTokens);
    }
    system = system == null ? "" : system;
  }
}
