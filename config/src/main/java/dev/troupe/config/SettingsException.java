package dev.troupe.config;

/**
 * A configuration value Troupe cannot start with. Its message is one line naming the full key
 * and the reason, e.g. {@code troupe.http.port: must be 1..65535, was 70000}.
 */
public final class SettingsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public SettingsException(String key, String reason) {
    super(key + ": " + reason);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
