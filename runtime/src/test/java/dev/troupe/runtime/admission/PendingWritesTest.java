package dev.troupe.runtime.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PendingWritesTest {
  @Test
  void theOldestWriteStillPendingSetsTheWait() {
    PendingWrites pending = new PendingWrites();
    assertEquals(Duration.ZERO, pending.oldestWait(1_000));
    long first = pending.begin(1_000_000);
    long second = pending.begin(5_000_000);
    assertEquals(2, pending.count());
    assertEquals(Duration.ofNanos(9_000_000), pending.oldestWait(10_000_000));
    pending.end(first);
    assertEquals(Duration.ofNanos(5_000_000), pending.oldestWait(10_000_000));
    pending.end(second);
    assertEquals(0, pending.count());
    assertEquals(Duration.ZERO, pending.oldestWait(10_000_000), "an idle journal is never behind");
  }
}
