package dev.troupe.config;

import java.time.Duration;

/** {@code troupe.journal}: the embedded journal's connection pool and query polling. */
public record JournalSettings(Duration connectionTimeout, int maxConnections, Duration queryRefreshInterval) {
  public static JournalSettings create(ConfigReader journal) {
    return new JournalSettings(
        journal.positiveDuration("connection-timeout"),
        journal.intInRange("max-connections", 1, 256),
        journal.positiveDuration("query-refresh-interval"));
  }
}
