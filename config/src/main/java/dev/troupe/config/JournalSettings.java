package dev.troupe.config;

import java.time.Duration;

/**
 * {@code troupe.journal}: the embedded journal's connection pool, how it groups writes, and query
 * polling. {@code writeParallelism} is how many write transactions may run at once: writes that
 * arrive while they run wait and go into the next one together (group commit), so fewer, larger
 * commits carry the same events. {@code writeBuffer} bounds the writes waiting for a transaction.
 */
public record JournalSettings(Duration connectionTimeout, int maxConnections, Duration queryRefreshInterval,
    int writeParallelism, int writeBuffer) {
  public static JournalSettings create(ConfigReader journal) {
    int maxConnections = journal.intInRange("max-connections", 1, 256);
    int writeParallelism = journal.intInRange("write-parallelism", 1, 256);
    if (writeParallelism > maxConnections) {
      throw new SettingsException(journal.key("write-parallelism"),
          "must not exceed max-connections (" + maxConnections + "), was " + writeParallelism);
    }
    return new JournalSettings(
        journal.positiveDuration("connection-timeout"),
        maxConnections,
        journal.positiveDuration("query-refresh-interval"),
        writeParallelism,
        journal.intInRange("write-buffer", 1_000, 10_000_000));
  }
}
