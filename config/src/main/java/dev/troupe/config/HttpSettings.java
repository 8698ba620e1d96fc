package dev.troupe.config;

import java.time.Duration;

/** {@code troupe.http}: where the API listens and how much it accepts. */
public record HttpSettings(
    String host, int port, long maxBodyBytes, Duration requestTimeout, Duration shutdownDeadline,
    Duration sseHeartbeat) {

  public static HttpSettings create(ConfigReader http) {
    String host = http.string("host").trim();
    if (host.isEmpty()) {
      throw new SettingsException(http.key("host"), "must not be empty");
    }
    return new HttpSettings(
        host,
        http.intInRange("port", 1, 65535),
        http.bytesInRange("max-body-bytes", 1024, 64L * 1024 * 1024),
        http.positiveDuration("request-timeout"),
        http.positiveDuration("shutdown-deadline"),
        http.positiveDuration("sse-heartbeat"));
  }

  /** The same settings on another port; tests bind to an ephemeral port this way. */
  public HttpSettings withPort(int newPort) {
    return new HttpSettings(host, newPort, maxBodyBytes, requestTimeout, shutdownDeadline, sseHeartbeat);
  }
}
