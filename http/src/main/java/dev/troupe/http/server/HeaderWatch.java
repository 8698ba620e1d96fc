package dev.troupe.http.server;

import org.apache.pekko.util.ByteString;

/**
 * Where a connection is in reading a request's head, from the bytes that pass in and out of it:
 * the decision behind {@link HeaderDeadline}, kept free of streams so it can be tested byte by byte.
 *
 * <p>The first head's clock starts when the connection opens, so a TLS handshake and a client
 * that sends nothing are timed too. A later head starts with the first byte that arrives while
 * the connection waits for a request,
 * and ends at the empty line after the headers (CRLF CRLF, or bare LFs, which HTTP parsers
 * accept). Bytes after that are the body, or requests pipelined behind it; they are not timed.
 * The connection waits for a request again once an answer starts going out, other than an
 * interim {@code 100 Continue} (after which the body follows). Empty lines before a request line
 * are allowed by HTTP, so they do not end a head that has not begun.
 */
public final class HeaderWatch {
  /** What the deadline does after a chunk. */
  public enum Clock { START, STOP, KEEP }

  private enum Phase { WAITING, HEAD, AFTER_HEAD }

  private static final ByteString INTERIM = ByteString.fromString("HTTP/1.1 100");

  private Phase phase = Phase.HEAD;
  private boolean headHasContent;
  private boolean lineEnded;
  private boolean answered;
  private boolean received;

  /** The connection opened: its first head's clock starts now. */
  public Clock opened() {
    return Clock.START;
  }

  /** Bytes from the client. */
  public Clock received(ByteString bytes) {
    if (bytes.isEmpty() || phase == Phase.AFTER_HEAD) {
      return Clock.KEEP;
    }
    received = true;
    boolean started = false;
    if (phase == Phase.WAITING) {
      phase = Phase.HEAD;
      headHasContent = false;
      lineEnded = false;
      started = true;
    }
    for (int i = 0; i < bytes.size(); i++) {
      byte b = bytes.apply(i);
      if (b == '\n') {
        if (lineEnded && headHasContent) {
          phase = Phase.AFTER_HEAD;
          return started ? Clock.KEEP : Clock.STOP;
        }
        lineEnded = true;
      } else if (b != '\r') {
        lineEnded = false;
        headHasContent = true;
      }
    }
    return started ? Clock.START : Clock.KEEP;
  }

  /** Bytes to the client. */
  public void sent(ByteString bytes) {
    if (bytes.isEmpty()) {
      return;
    }
    answered = true;
    if (phase == Phase.AFTER_HEAD && !isInterim(bytes)) {
      phase = Phase.WAITING;
    }
  }

  private static boolean isInterim(ByteString bytes) {
    return bytes.size() >= INTERIM.size() && bytes.slice(0, INTERIM.size()).equals(INTERIM);
  }

  /** Whether anything was sent on this connection yet: a 408 may only go out before the first answer. */
  public boolean answered() {
    return answered;
  }

  /** Whether the client sent anything at all: one that sent nothing is closed without an answer. */
  public boolean receivedAny() {
    return received;
  }
}
