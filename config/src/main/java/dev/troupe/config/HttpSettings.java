package dev.troupe.config;

import java.time.Duration;

/** {@code troupe.http}: where the API listens and how much it accepts. */
public record HttpSettings(
    String host, int port, long maxBodyBytes, Duration requestTimeout, Duration shutdownDeadline,
    Duration sseHeartbeat, Admission admission, Tls tls, boolean metricsRequireKey, Duration headerReadTimeout) {

  /**
   * When {@code POST /v1/tasks} answers 429 at once instead of taking the task: too many
   * unfinished tasks (in all, or of the tenant), or a journal that cannot keep up (too many
   * submissions waiting for their write, or the oldest of them waiting too long).
   */
  public record Admission(int maxTasksInFlight, int maxTasksInFlightPerTenant, int maxPendingSubmissions,
      Duration maxJournalWait, int requestsPerSecondPerKey) {
    public Admission(int maxTasksInFlight, int maxTasksInFlightPerTenant, int maxPendingSubmissions,
        Duration maxJournalWait) {
      this(maxTasksInFlight, maxTasksInFlightPerTenant, maxPendingSubmissions, maxJournalWait, 500);
    }
  }

  /** HTTPS with a PKCS12 (or JKS) key store; off by default. */
  public record Tls(boolean enabled, java.nio.file.Path keyStore, String keyStorePassword, String keyStoreType) {
    @Override
    public String toString() {
      return "Tls[enabled=" + enabled + ", keyStore=" + keyStore + ", keyStoreType=" + keyStoreType + "]";
    }
  }

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
        http.positiveDuration("sse-heartbeat"),
        new Admission(http.intInRange("admission.max-tasks-in-flight", 1, 10_000_000),
            http.intInRange("admission.max-tasks-in-flight-per-tenant", 1, 10_000_000),
            http.intInRange("admission.max-pending-submissions", 1, 1_000_000),
            http.positiveDuration("admission.max-journal-wait"),
            http.intInRange("admission.requests-per-second-per-key", 1, 10_000_000)),
        tls(http.child("tls")),
        http.bool("metrics-require-key"),
        headerReadTimeout(http));
  }

  private static Duration headerReadTimeout(ConfigReader http) {
    Duration timeout = http.positiveDuration("header-read-timeout");
    if (timeout.compareTo(Duration.ofHours(1)) > 0) {
      throw new SettingsException(http.key("header-read-timeout"), "must be at most 1h, was " + timeout);
    }
    return timeout;
  }

  private static Tls tls(ConfigReader tls) {
    if (!tls.bool("enabled")) {
      return new Tls(false, null, null, null);
    }
    String path = tls.string("key-store").trim();
    if (path.isEmpty()) {
      throw new SettingsException(tls.key("key-store"), "must name a key store file when TLS is enabled");
    }
    java.nio.file.Path keyStore = java.nio.file.Path.of(path);
    if (!java.nio.file.Files.isReadable(keyStore)) {
      throw new SettingsException(tls.key("key-store"), "cannot read " + keyStore.toAbsolutePath());
    }
    String type = tls.string("key-store-type").trim().toUpperCase(java.util.Locale.ROOT);
    if (!type.equals("PKCS12") && !type.equals("JKS")) {
      throw new SettingsException(tls.key("key-store-type"), "must be PKCS12 or JKS, was " + type);
    }
    return new Tls(true, keyStore, tls.string("key-store-password"), type);
  }

  /** The same settings on another port; tests bind to an ephemeral port this way. */
  public HttpSettings withPort(int newPort) {
    return new HttpSettings(host, newPort, maxBodyBytes, requestTimeout, shutdownDeadline, sseHeartbeat, admission,
        tls, metricsRequireKey, headerReadTimeout);
  }
}
