package dev.troupe.http.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Sits between a connection's TLS (or plain) layer and Pekko HTTP's parser and bounds the time a
 * client may take to send a request's head: Pekko HTTP has no such limit (its idle timeout
 * restarts with every byte, its request timeout starts after the headers). When the head is late
 * the connection is closed, with a 408 if nothing was answered on it yet ({@link HeaderWatch}).
 *
 * <p>The first head's deadline runs from the moment the connection opens, so a slow TLS
 * handshake or a client that sends nothing is cut off too. When a later head is late while an
 * answer may still be going out, the parser is told its input ended instead: the server finishes
 * that answer and then closes. After a 408 the client's bytes are drained for {@code linger}
 * (Pekko HTTP's linger timeout) so the answer is not lost to a reset.
 */
public final class HeaderDeadline extends GraphStage<BidiShape<TLSProtocol.SslTlsOutbound,
    TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound, TLSProtocol.SslTlsInbound>> {
  private static final String HEAD_TIMER = "head";
  private static final String LINGER_TIMER = "linger";

  private final Inlet<TLSProtocol.SslTlsOutbound> fromServer = Inlet.create("HeaderDeadline.fromServer");
  private final Outlet<TLSProtocol.SslTlsOutbound> toClient = Outlet.create("HeaderDeadline.toClient");
  private final Inlet<TLSProtocol.SslTlsInbound> fromClient = Inlet.create("HeaderDeadline.fromClient");
  private final Outlet<TLSProtocol.SslTlsInbound> toServer = Outlet.create("HeaderDeadline.toServer");
  private final BidiShape<TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound,
      TLSProtocol.SslTlsInbound> shape = new BidiShape<>(fromServer, toClient, fromClient, toServer);
  private final Duration headTimeout;
  private final Duration linger;

  /** {@code linger} null: drain until the client closes (an infinite linger timeout). */
  public HeaderDeadline(Duration headTimeout, Duration linger) {
    this.headTimeout = headTimeout;
    this.linger = linger;
  }

  @Override
  public BidiShape<TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound,
      TLSProtocol.SslTlsInbound> shape() {
    return shape;
  }

  /** The 408 sent when a connection's first head is late; fixed bytes, nothing from the client. */
  static ByteString requestTimeout(Duration limit) {
    String body = "{\"type\":\"urn:troupe:problem:request-timeout\",\"title\":\"Request Timeout\",\"status\":408,"
        + "\"detail\":\"the request line and headers did not arrive within " + limit.toMillis() + " ms\"}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 408 Request Timeout\r\n"
        + "Content-Type: application/problem+json\r\n"
        + "Connection: close\r\n"
        + "Content-Length: " + bytes.length + "\r\n\r\n";
    return ByteString.fromString(head, StandardCharsets.US_ASCII).concat(ByteString.fromArray(bytes));
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new TimerGraphStageLogic(shape) {
      private final HeaderWatch watch = new HeaderWatch();
      /** The client's bytes are read and dropped: the head was late and the parser has had its end. */
      private boolean dropping;

      @Override
      public void preStart() {
        clock(watch.opened());
      }

      private void clock(HeaderWatch.Clock clock) {
        switch (clock) {
          case START -> scheduleOnce(HEAD_TIMER, headTimeout);
          case STOP -> cancelTimer(HEAD_TIMER);
          case KEEP -> { }
        }
      }

      {
        setHandler(fromClient, new AbstractInHandler() {
          @Override
          public void onPush() {
            TLSProtocol.SslTlsInbound element = grab(fromClient);
            if (dropping) {
              pull(fromClient);
              return;
            }
            if (element instanceof TLSProtocol.SessionBytes bytes) {
              clock(watch.received(bytes.bytes()));
            }
            push(toServer, element);
          }

          @Override
          public void onUpstreamFinish() {
            if (!isClosed(toServer)) {
              complete(toServer);
            }
          }

          @Override
          public void onUpstreamFailure(Throwable cause) {
            if (!isClosed(toServer)) {
              fail(toServer, cause);
            }
          }
        });
        setHandler(toServer, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!hasBeenPulled(fromClient) && !isClosed(fromClient)) {
              pull(fromClient);
            }
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            // Pekko's server layer has lingered already (its own delayed cancellation).
            cancelTimer(HEAD_TIMER);
            if (!dropping && !isClosed(fromClient)) {
              cancel(fromClient, cause);
            }
          }
        });
        setHandler(fromServer, new AbstractInHandler() {
          @Override
          public void onPush() {
            TLSProtocol.SslTlsOutbound element = grab(fromServer);
            if (element instanceof TLSProtocol.SendBytes bytes) {
              watch.sent(bytes.bytes());
            }
            push(toClient, element);
          }

          @Override
          public void onUpstreamFinish() {
            if (!isClosed(toClient)) {
              complete(toClient);
            }
            if (dropping && !isClosed(fromClient)) {
              cancel(fromClient);
            }
          }

          @Override
          public void onUpstreamFailure(Throwable cause) {
            if (!isClosed(toClient)) {
              fail(toClient, cause);
            }
          }
        });
        setHandler(toClient, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!hasBeenPulled(fromServer) && !isClosed(fromServer)) {
              pull(fromServer);
            }
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancel(fromServer, cause);
          }
        });
      }

      @Override
      public void onTimer(Object key) {
        if (LINGER_TIMER.equals(key)) {
          if (!isClosed(fromClient)) {
            cancel(fromClient);
          }
          return;
        }
        if (!watch.receivedAny()) {
          // Nothing arrived (or a TLS handshake never finished, which no close below TLS would
          // end): the connection is torn down.
          failStage(new java.util.concurrent.TimeoutException("no request within " + headTimeout.toMillis() + " ms"));
          return;
        }
        if (!watch.answered()) {
          // Part of a head came and nothing was answered on this connection: 408, then close.
          if (!isClosed(toClient)) {
            emit(toClient, new TLSProtocol.SendBytes(requestTimeout(headTimeout)), () -> complete(toClient));
          }
          if (!isClosed(fromServer)) {
            cancel(fromServer);
          }
          if (!isClosed(toServer)) {
            complete(toServer);
          }
          drop(true);
          return;
        }
        // An answer may still be going out (a long or streamed one, behind which the late head was
        // pipelined): the parser gets the end of its input, so the server finishes what it is
        // writing and then closes; the client's further bytes are dropped.
        if (!isClosed(toServer)) {
          complete(toServer);
        }
        drop(false);
      }

      private void drop(boolean linger) {
        dropping = true;
        if (linger && linger().isPresent()) {
          scheduleOnce(LINGER_TIMER, linger().get());
        }
        if (!hasBeenPulled(fromClient) && !isClosed(fromClient)) {
          pull(fromClient);
        }
      }
    };
  }

  /** How long the client's bytes are drained after the 408, so the answer is not reset; none if infinite. */
  private java.util.Optional<Duration> linger() {
    return java.util.Optional.ofNullable(linger);
  }
}
