package dev.troupe.runtime.market;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaitingLineTest {
  private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");

  private static List<String> drain(WaitingLine<String> line, String capability) {
    List<String> order = new ArrayList<>();
    while (line.head(capability).isPresent()) {
      var head = line.head(capability).get();
      order.add(head.request());
      line.leave(head.seq());
    }
    return order;
  }

  @Test
  void higherPriorityFirstThenFirstComeFirstServed() {
    WaitingLine<String> line = new WaitingLine<>();
    line.join("cap", 1, T0.plusSeconds(30), "normal-1");
    line.join("cap", 0, T0.plusSeconds(30), "low-1");
    line.join("cap", 2, T0.plusSeconds(30), "high-1");
    line.join("cap", 1, T0.plusSeconds(30), "normal-2");
    line.join("cap", 2, T0.plusSeconds(30), "high-2");
    assertEquals(List.of("high-1", "high-2", "normal-1", "normal-2", "low-1"), drain(line, "cap"));
    assertEquals(0, line.size());
  }

  @Test
  void eachCapabilityHasItsOwnLine() {
    WaitingLine<String> line = new WaitingLine<>();
    line.join("a", 0, T0, "a-low");
    line.join("b", 2, T0, "b-high");
    assertEquals("a-low", line.head("a").orElseThrow().request());
    assertEquals(1, line.size("a"));
    assertEquals(java.util.Set.of("a", "b"), line.capabilities());
  }

  @Test
  void requestsWhoseWaitIsOverLeaveTheLineAndTheRestKeepTheirOrder() {
    WaitingLine<String> line = new WaitingLine<>();
    line.join("cap", 1, T0.plusSeconds(5), "short");
    line.join("cap", 1, T0.plusSeconds(60), "long-1");
    line.join("cap", 2, T0.plusSeconds(1), "urgent-but-brief");
    line.join("cap", 1, T0.plusSeconds(60), "long-2");
    var over = line.expire(T0.plusSeconds(5));
    assertEquals(List.of("urgent-but-brief", "short"), over.stream().map(WaitingLine.Waiter::request).toList());
    assertEquals(List.of("long-1", "long-2"), drain(line, "cap"));
  }

  @Test
  void aRequestLeavesOnceAndALookPastTheHeadFindsTheNext() {
    WaitingLine<String> line = new WaitingLine<>();
    long first = line.join("cap", 1, T0, "first");
    line.join("cap", 1, T0, "second");
    var head = line.head("cap").orElseThrow();
    assertEquals("second", line.after("cap", head).orElseThrow().request());
    assertTrue(line.leave(first).isPresent());
    assertTrue(line.leave(first).isEmpty(), "served or expired once, never twice");
    assertTrue(line.after("cap", line.head("cap").orElseThrow()).isEmpty());
  }
}
