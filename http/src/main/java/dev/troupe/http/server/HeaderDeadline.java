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
 * <p>It also lingers, as Pekko HTTP's own server does: when the parser stops reading (the answer
 * says {@code Connection: close}), the client's remaining bytes are read and dropped until the
 * answer is out or {@code linger} passes, so the socket is not reset under an unsent answer.
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
      private boolean lingering;

      {
        setHandler(fromClient, new AbstractInHandler() {
          @Override
          public void onPush() {
            TLSProtocol.SslTlsInbound element = grab(fromClient);
            if (lingering) {
              pull(fromClient);
              return;
            }
            if (element instanceof TLSProtocol.SessionBytes bytes) {
              switch (watch.received(bytes.bytes())) {
                case START -> scheduleOnce(HEAD_TIMER, headTimeout);
                case STOP -> cancelTimer(HEAD_TIMER);
                case KEEP -> { }
              }
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
            pull(fromClient);
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancelTimer(HEAD_TIMER);
            if (isClosed(toClient) || isClosed(fromServer)) {
              cancel(fromClient, cause);
              return;
            }
            lingering = true;
            scheduleOnce(LINGER_TIMER, linger);
            if (!hasBeenPulled(fromClient) && !isClosed(fromClient)) {
              pull(fromClient);
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
            if (lingering && !isClosed(fromClient)) {
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
        // The head is late: answer 408 if the client has had no answer on this connection yet (a
        // later request may be behind an answer still being written), then close both ways.
        if (!watch.answered() && !isClosed(toClient)) {
          emit(toClient, new TLSProtocol.SendBytes(requestTimeout(headTimeout)), () -> complete(toClient));
        } else if (!isClosed(toClient)) {
          complete(toClient);
        }
        if (!isClosed(fromServer)) {
          cancel(fromServer);
        }
        if (!isClosed(toServer)) {
          complete(toServer);
        }
        lingering = true;
        scheduleOnce(LINGER_TIMER, linger);
        if (!hasBeenPulled(fromClient) && !isClosed(fromClient)) {
          pull(fromClient);
        }
      }
    };
  }
}
