package dev.troupe.config;

import java.time.Duration;

/**
 * {@code troupe.cache}: the optional result cache, off by default. With {@code models} on, a
 * model's answer to exactly the same request (model, instructions, conversation, tools, schema,
 * limits) is reused; with {@code tools} on, so is a cacheable tool's output for the same input.
 * Entries live {@code ttl} and at most {@code maxEntries} are kept (per cache).
 */
public record CacheSettings(boolean models, boolean tools, Duration ttl, long maxEntries) {
  public static CacheSettings create(ConfigReader cache) {
    return new CacheSettings(cache.bool("models"), cache.bool("tools"), cache.positiveDuration("ttl"),
        cache.intInRange("max-entries", 1, 10_000_000));
  }

  public static final CacheSettings OFF = new CacheSettings(false, false, Duration.ofMinutes(10), 10_000);
}
