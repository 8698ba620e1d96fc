package dev.troupe.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.http.server.HeaderWatch.Clock;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class HeaderWatchTest {
  private static ByteString bytes(String text) {
    return ByteString.fromString(text);
  }

  /** A watch past its first request, waiting for the next: its clock starts with a byte. */
  private static HeaderWatch kept() {
    HeaderWatch watch = new HeaderWatch();
    watch.received(bytes("GET /first HTTP/1.1\r\nHost: a\r\n\r\n"));
    watch.sent(bytes("HTTP/1.1 200 OK\r\n\r\n"));
    return watch;
  }

  @Test
  void theFirstHeadIsTimedFromTheConnectionOpeningWhateverArrives() {
    HeaderWatch watch = new HeaderWatch();
    assertEquals(Clock.START, watch.opened(), "a TLS handshake or silence counts");
    assertFalse(watch.receivedAny());
    assertEquals(Clock.KEEP, watch.received(bytes("GET / HTTP/1.1\r\n")), "not restarted by the first byte");
    assertTrue(watch.receivedAny());
    assertEquals(Clock.STOP, watch.received(bytes("Host: a\r\n\r\n")));
  }

  @Test
  void aLaterHeadThatArrivesWholeIsNeverTimed() {
    assertEquals(Clock.KEEP, kept().received(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")));
  }

  @Test
  void theClockRunsFromTheFirstByteToTheEmptyLineAcrossChunks() {
    HeaderWatch watch = kept();
    assertEquals(Clock.START, watch.received(bytes("GET / HTTP/1.1\r")));
    assertEquals(Clock.KEEP, watch.received(bytes("\nHost: a\r\n")));
    assertEquals(Clock.KEEP, watch.received(bytes("X-Slow: 1\r\n\r")));
    assertEquals(Clock.STOP, watch.received(bytes("\n")));
  }

  @Test
  void bareLineFeedsEndAHeadToo() {
    HeaderWatch watch = kept();
    assertEquals(Clock.START, watch.received(bytes("GET / HTTP/1.1\nHost: a\n")));
    assertEquals(Clock.STOP, watch.received(bytes("\n")));
  }

  @Test
  void emptyLinesBeforeTheRequestLineDoNotEndAHead() {
    HeaderWatch watch = kept();
    assertEquals(Clock.START, watch.received(bytes("\r\n\r\n\r\n")));
    assertEquals(Clock.KEEP, watch.received(bytes("GET / HTTP/1.1\r\n")));
    assertEquals(Clock.STOP, watch.received(bytes("Host: a\r\n\r\n")));
  }

  @Test
  void aBodyIsNotTimedAndTheNextHeadStartsAfterAnAnswer() {
    HeaderWatch watch = new HeaderWatch();
    assertEquals(Clock.STOP, watch.received(bytes("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n")));
    assertFalse(watch.answered());
    assertEquals(Clock.KEEP, watch.received(bytes("01234")), "body bytes");
    assertEquals(Clock.KEEP, watch.received(bytes("\n\n\n\n\n")), "body bytes that look like line ends");
    watch.sent(bytes("HTTP/1.1 200 OK\r\n\r\n"));
    assertTrue(watch.answered());
    assertEquals(Clock.START, watch.received(bytes("GET /next HTTP/1.1\r\n")));
  }

  @Test
  void anInterimContinueIsFollowedByTheBodyNotAHead() {
    HeaderWatch watch = new HeaderWatch();
    watch.received(bytes("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
    watch.sent(bytes("HTTP/1.1 100 Continue\r\n\r\n"));
    assertEquals(Clock.KEEP, watch.received(bytes("abc")));
  }

  @Test
  void anAnswerDuringAHeadDoesNotRestartIt() {
    HeaderWatch watch = kept();
    assertEquals(Clock.START, watch.received(bytes("GET / HTTP/1.1\r\n")));
    watch.sent(bytes("HTTP/1.1 200 OK\r\n\r\n"));
    assertEquals(Clock.KEEP, watch.received(bytes("Host: a\r\n")));
    assertEquals(Clock.STOP, watch.received(bytes("\r\n")));
  }
}
