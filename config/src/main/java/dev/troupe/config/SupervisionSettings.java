package dev.troupe.config;

import java.time.Duration;

/** {@code troupe.supervision}: restart-with-backoff for crashed entities. */
public record SupervisionSettings(Duration minBackoff, Duration maxBackoff, double randomFactor) {
  public static SupervisionSettings create(ConfigReader supervision) {
    Duration min = supervision.positiveDuration("min-backoff");
    Duration max = supervision.positiveDuration("max-backoff");
    if (max.compareTo(min) < 0) {
      throw new SettingsException(supervision.key("max-backoff"),
          "must not be shorter than min-backoff (" + min + "), was " + max);
    }
    return new SupervisionSettings(min, max, supervision.doubleInRange("random-factor", 0.0, 1.0));
  }
}
