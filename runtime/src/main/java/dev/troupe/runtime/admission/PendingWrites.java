package dev.troupe.runtime.admission;

import java.time.Duration;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Submissions waiting for their journal write: how many, and how long the oldest has waited.
 * A slow journal shows here first, before the request timeout would.
 */
public final class PendingWrites {
  private final ConcurrentSkipListMap<Long, Long> startedByTicket = new ConcurrentSkipListMap<>();
  private final AtomicLong tickets = new AtomicLong();

  /** A write begins; hand the ticket to {@link #end} when it is confirmed or failed. */
  public long begin(long nowNanos) {
    long ticket = tickets.incrementAndGet();
    startedByTicket.put(ticket, nowNanos);
    return ticket;
  }

  public void end(long ticket) {
    startedByTicket.remove(ticket);
  }

  public int count() {
    return startedByTicket.size();
  }

  /** How long the oldest pending write has waited; zero when none waits. */
  public Duration oldestWait(long nowNanos) {
    var oldest = startedByTicket.firstEntry();
    return oldest == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, nowNanos - oldest.getValue()));
  }
}
