package dev.troupe.runtime.market;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Match requests waiting for capacity, one line per capability: higher priority first, then
 * first come, first served. Pure (no actor, no clock of its own), so the registry and the tests
 * share it. A request leaves the line when it is served or when its wait is over.
 *
 * @param <R> what the registry keeps per waiting request (who to answer)
 */
public final class WaitingLine<R> {
  /** One waiting request; {@code seq} is its place in arrival order. */
  public record Waiter<R>(long seq, String capability, int priority, Instant until, R request) {}

  private static final Comparator<Waiter<?>> ORDER = Comparator
      .comparingInt((Waiter<?> w) -> -w.priority())
      .thenComparingLong(Waiter::seq);

  private final Map<String, TreeSet<Waiter<R>>> lines = new HashMap<>();
  private final Map<Long, Waiter<R>> bySeq = new HashMap<>();
  private long nextSeq;

  /** Puts a request at its place in its capability's line; returns its sequence number. */
  public long join(String capability, int priority, Instant until, R request) {
    Waiter<R> waiter = new Waiter<>(nextSeq++, capability, priority, until, request);
    lines.computeIfAbsent(capability, c -> new TreeSet<>(ORDER)).add(waiter);
    bySeq.put(waiter.seq(), waiter);
    return waiter.seq();
  }

  /** The next request to serve for {@code capability}, without removing it. */
  public Optional<Waiter<R>> head(String capability) {
    TreeSet<Waiter<R>> line = lines.get(capability);
    return line == null ? Optional.empty() : Optional.of(line.first());
  }

  /** The request after {@code waiter} in its line, for a look past one that cannot be served yet. */
  public Optional<Waiter<R>> after(String capability, Waiter<R> waiter) {
    TreeSet<Waiter<R>> line = lines.get(capability);
    return line == null ? Optional.empty() : Optional.ofNullable(line.higher(waiter));
  }

  /** Removes a request (served, or its wait is over); empty if it had already left. */
  public Optional<Waiter<R>> leave(long seq) {
    Waiter<R> waiter = bySeq.remove(seq);
    if (waiter == null) {
      return Optional.empty();
    }
    TreeSet<Waiter<R>> line = lines.get(waiter.capability());
    line.remove(waiter);
    if (line.isEmpty()) {
      lines.remove(waiter.capability());
    }
    return Optional.of(waiter);
  }

  /** Removes and returns every request whose wait ended at or before {@code now}. */
  public List<Waiter<R>> expire(Instant now) {
    List<Waiter<R>> over = new ArrayList<>();
    for (Waiter<R> waiter : List.copyOf(bySeq.values())) {
      if (!waiter.until().isAfter(now)) {
        leave(waiter.seq()).ifPresent(over::add);
      }
    }
    over.sort(ORDER);
    return over;
  }

  /** Capabilities with someone waiting. */
  public Set<String> capabilities() {
    return Set.copyOf(lines.keySet());
  }

  public int size() {
    return bySeq.size();
  }

  public int size(String capability) {
    TreeSet<Waiter<R>> line = lines.get(capability);
    return line == null ? 0 : line.size();
  }
}
