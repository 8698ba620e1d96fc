package dev.troupe.runtime.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded cache of results with a time to live (Caffeine), counting hits and misses: what the
 * optional model and tool caches are made of.
 */
public final class ResultCache<V> {
  private final String name;
  private final Cache<String, V> entries;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  public ResultCache(String name, Duration ttl, long maxEntries) {
    this.name = name;
    this.entries = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxEntries).build();
  }

  public String name() {
    return name;
  }

  /** The cached value for {@code key}, counted as a hit, or empty, counted as a miss. */
  public Optional<V> get(String key) {
    V value = entries.getIfPresent(key);
    (value == null ? misses : hits).incrementAndGet();
    return Optional.ofNullable(value);
  }

  public void put(String key, V value) {
    entries.put(key, value);
  }

  public long hits() {
    return hits.get();
  }

  public long misses() {
    return misses.get();
  }
}
