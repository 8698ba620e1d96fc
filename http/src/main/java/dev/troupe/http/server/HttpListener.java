package dev.troupe.http.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import scala.Option;

/**
 * The API's HTTP/1.1 listener: Pekko HTTP's server layer on a TCP binding of our own, so that
 * {@link HeaderDeadline} can sit between the socket (or TLS) and the parser. Pekko's
 * {@code Http.newServerAt} offers no place for it; what that binding gave besides (a TLS stage,
 * the connection limit, graceful termination) is done here, in the same way.
 *
 * <p>Termination, as Pekko's {@code ServerBinding.terminate}: stop accepting; close idle
 * connections; let requests in flight finish, answered with {@code Connection: close}; answer new
 * requests on open connections 503; abort whatever is still open at the deadline.
 */
public final class HttpListener {
  private final Tcp.ServerBinding binding;
  private final Set<Live> live = ConcurrentHashMap.newKeySet();
  private final LoggingAdapter log;
  private volatile boolean terminating;
  private CompletableFuture<Done> unbound;

  private HttpListener(Tcp.ServerBinding binding, LoggingAdapter log) {
    this.binding = binding;
    this.log = log;
  }

  /** How a listener serves: its address, limits, and TLS if {@code tls} is present. */
  public record Options(String host, int port, Duration headerReadTimeout, Optional<SSLContext> tls) {}

  /** Binds and serves {@code handler}; completes when the socket listens (or fails to). */
  public static CompletionStage<HttpListener> bind(ActorSystem<?> system, Options options,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    var classic = system.classicSystem();
    ServerSettings settings = (ServerSettings) org.apache.pekko.http.javadsl.settings.ServerSettings.create(classic);
    LoggingAdapter log = classic.log();
    Materializer materializer = Materializer.matFromSystem(system);
    CompletableFuture<HttpListener> ready = new CompletableFuture<>();
    var idle = settings.getTimeouts().idleTimeout();
    var connections = Tcp.get(classic).bind(options.host(), options.port(), settings.backlog(),
        settings.getSocketOptions(), false,
        idle.isFinite() ? Optional.of(Duration.ofNanos(idle.toNanos())) : Optional.empty());
    CompletionStage<Tcp.ServerBinding> bound = connections
        .mapAsyncUnordered(settings.maxConnections(), connection -> ready.thenCompose(listener ->
            listener.serveSafely(connection, settings, options, handler, materializer)))
        .to(Sink.ignore())
        .run(materializer);
    return bound.thenApply(b -> {
      HttpListener listener = new HttpListener(b, log);
      ready.complete(listener);
      return listener;
    });
  }

  public InetSocketAddress localAddress() {
    return binding.localAddress();
  }

  /** Registers unbind and termination with the node's coordinated shutdown, as Pekko's binding does. */
  public void addToCoordinatedShutdown(Duration deadline, ActorSystem<?> system) {
    var shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "troupe-http-unbind", this::unbind);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "troupe-http-terminate",
        () -> terminate(deadline));
  }

  /**
   * Stops accepting; once only, since a Tcp binding's second unbind is never answered (and would
   * hold up the shutdown phase that asked for it until its timeout).
   */
  public synchronized CompletionStage<Done> unbind() {
    if (unbound == null) {
      unbound = binding.unbind().thenApply(unit -> Done.getInstance()).toCompletableFuture();
    }
    return unbound;
  }

  /** Stops accepting, drains open connections for up to {@code deadline}, then aborts the rest. */
  public CompletionStage<Done> terminate(Duration deadline) {
    terminating = true;
    return unbind().thenCompose(unbound -> {
      live.forEach(Live::closeIfIdle);
      CompletableFuture<?>[] open = live.stream().map(c -> c.done).toArray(CompletableFuture[]::new);
      return CompletableFuture.allOf(open)
          .handle((ok, error) -> Done.getInstance())
          .completeOnTimeout(Done.getInstance(), deadline.toMillis(), TimeUnit.MILLISECONDS)
          .thenApply(done -> {
            live.forEach(c -> c.abort(deadline));
            return Done.getInstance();
          });
    });
  }

  /** One connection that cannot be set up is dropped and logged; the listener goes on accepting. */
  private CompletionStage<Done> serveSafely(Tcp.IncomingConnection connection, ServerSettings settings,
      Options options, Function<HttpRequest, CompletionStage<HttpResponse>> handler, Materializer materializer) {
    try {
      return serve(connection, settings, options, handler, materializer);
    } catch (RuntimeException e) { // serve has forgotten the connection
      log.error(e, "cannot serve the connection from {}", connection.remoteAddress());
      return CompletableFuture.completedFuture(Done.getInstance());
    }
  }

  private CompletionStage<Done> serve(Tcp.IncomingConnection connection, ServerSettings settings, Options options,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, Materializer materializer) {
    Live conn = new Live();
    // The answers pass a switch that ends the connection gracefully: completing them lets Pekko
    // write every answer already past it, then close. A strict answer counts as finished once past
    // it (a streamed one when its body has been handed on), so an idle connection is never closed
    // under an answer.
    Flow<org.apache.pekko.http.scaladsl.model.HttpRequest, org.apache.pekko.http.scaladsl.model.HttpResponse,
        UniqueKillSwitch> app = Flow.<org.apache.pekko.http.scaladsl.model.HttpRequest>create()
        .mapAsync(settings.pipeliningLimit(), request -> conn.answer(request, handler))
        .viaMat(KillSwitches.single(), Keep.right())
        .map(response -> {
          if (response.entity().isStrict()) {
            conn.finished();
          }
          return response;
        });
    BidiFlow<org.apache.pekko.http.scaladsl.model.HttpResponse, TLSProtocol.SslTlsOutbound,
        TLSProtocol.SslTlsInbound, org.apache.pekko.http.scaladsl.model.HttpRequest, NotUsed> http =
        ((org.apache.pekko.http.scaladsl.HttpExt) org.apache.pekko.http.scaladsl.Http.get(materializer.system()))
            .serverLayer(settings, Option.apply(connection.remoteAddress()), log, options.tls().isPresent())
            .asJava();
    var lingerTimeout = settings.getTimeouts().lingerTimeout();
    Duration linger = lingerTimeout.isFinite() ? Duration.ofNanos(lingerTimeout.toNanos()) : null;
    var stack = http
        .atop(BidiFlow.fromGraph(new HeaderDeadline(options.headerReadTimeout(), linger)))
        .atop(tls(options.tls()))
        .atop(BidiFlow.fromGraph(KillSwitches.<ByteString, ByteString>singleBidi()), Keep.right());
    live.add(conn);
    Pair<Pair<UniqueKillSwitch, UniqueKillSwitch>, CompletionStage<Done>> running;
    try {
      running = connection.handleWith(app.joinMat(stack, Keep.both()).watchTermination(Keep.both()), materializer);
    } catch (RuntimeException e) {
      live.remove(conn);
      throw e;
    }
    conn.started(running.first().first(), running.first().second());
    running.second().whenComplete((done, error) -> {
      live.remove(conn);
      conn.done.complete(Done.getInstance());
      if (error != null) {
        log.debug("connection from {} ended: {}", connection.remoteAddress(), error.getMessage());
      }
    });
    if (terminating) {
      conn.closeIfIdle();
    }
    return conn.done;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed>
      tls(Optional<SSLContext> context) {
    if (context.isEmpty()) {
      // The placebo's inbound side is SessionBytes, a kind of SslTlsInbound.
      return (BidiFlow) TLSPlacebo.getInstance();
    }
    SSLContext ssl = context.get();
    return TLS.create(() -> {
      SSLEngine engine = ssl.createSSLEngine();
      engine.setUseClientMode(false);
      return engine;
    }, TLSClosing.eagerClose());
  }

  /** One open connection: its requests in flight and the switches that end it. */
  private final class Live {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Done> done = new CompletableFuture<>();
    private volatile UniqueKillSwitch answers;
    private volatile UniqueKillSwitch socket;

    void started(UniqueKillSwitch answersSwitch, UniqueKillSwitch socketSwitch) {
      this.answers = answersSwitch;
      this.socket = socketSwitch;
    }

    CompletionStage<org.apache.pekko.http.scaladsl.model.HttpResponse> answer(HttpRequest request,
        Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
      inFlight.incrementAndGet(); // before the check: a stop that starts now waits for this answer
      if (terminating) {
        return CompletableFuture.completedFuture(scala(closing(HttpResponse.create()
            .withStatus(StatusCodes.SERVICE_UNAVAILABLE)
            .withEntity(HttpEntities.create(org.apache.pekko.http.javadsl.model.ContentTypes.create(
                org.apache.pekko.http.javadsl.model.MediaTypes.applicationWithOpenCharset("problem+json"),
                org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8),
                "{\"type\":\"urn:troupe:problem:service-unavailable\",\"title\":\"Service Unavailable\","
                    + "\"status\":503,\"detail\":\"the server is stopping\"}")))));
      }
      CompletionStage<HttpResponse> answered;
      try {
        answered = handler.apply(request);
      } catch (RuntimeException e) {
        answered = CompletableFuture.failedFuture(e);
      }
      return answered.handle((response, error) -> {
        HttpResponse out = response;
        if (error != null || response == null) {
          log.error(error != null ? error : new IllegalStateException("no response"), "the request handler failed");
          out = HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR);
        }
        if (terminating) {
          out = closing(out);
        }
        return scala(watched(out));
      });
    }

    /** A streamed answer counts as finished when its body has been handed on, however long it streams. */
    private HttpResponse watched(HttpResponse response) {
      ResponseEntity entity = response.entity();
      if (entity.isStrict()) {
        return response; // counted once past the answers' switch
      }
      var watch = Flow.<ByteString>create().watchTermination((mat, ended) -> {
        ended.whenComplete((ok, error) -> finished());
        return mat;
      });
      var data = entity.getDataBytes().via(watch);
      if (entity.isDefault()) {
        return response.withEntity(HttpEntities.create(entity.getContentType(),
            entity.getContentLengthOption().getAsLong(), data));
      }
      if (entity.isCloseDelimited()) {
        return response.withEntity(HttpEntities.createCloseDelimited(entity.getContentType(), data));
      }
      return response.withEntity(HttpEntities.createChunked(entity.getContentType(), data));
    }

    /** An answer is out of our hands; a stopping server closes the connection once none is left. */
    void finished() {
      if (inFlight.decrementAndGet() == 0 && terminating) {
        closeIfIdle();
      }
    }

    /** Ends the answers if none is in flight: Pekko writes what it has, then closes the connection. */
    void closeIfIdle() {
      UniqueKillSwitch switchOff = answers;
      if (inFlight.get() == 0 && switchOff != null) {
        switchOff.shutdown();
      }
    }

    void abort(Duration deadline) {
      UniqueKillSwitch switchOff = socket;
      if (switchOff != null) {
        switchOff.abort(new IllegalStateException("the server stopped; requests still open after " + deadline));
      }
    }
  }

  private static HttpResponse closing(HttpResponse response) {
    return response.addHeader(Connection.create("close"));
  }

  private static org.apache.pekko.http.scaladsl.model.HttpResponse scala(HttpResponse response) {
    return (org.apache.pekko.http.scaladsl.model.HttpResponse) response;
  }
}
