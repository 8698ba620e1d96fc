package dev.troupe.http;

import dev.troupe.config.TroupeSettings;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.http.auth.KeyFeed;
import dev.troupe.http.auth.KeyRing;
import dev.troupe.http.server.HttpListener;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.sdk.TroupeComponents;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The node's guardian: binds HTTP first (so liveness answers while the node starts), then
 * starts the runtime and marks the node ready. A failure of either stops the node.
 */
final class ServerGuardian extends AbstractBehavior<ServerGuardian.Command> {
  interface Command {}

  private record Bound(HttpListener binding) implements Command {}

  private record Started(TroupeRuntime runtime) implements Command {}

  private record Failed(String what, Throwable cause) implements Command {}

  private record KeysLoaded(TroupeRuntime runtime) implements Command {}

  /** What the node's starter waits on: the binding, then the started runtime. */
  record Startup(CompletableFuture<HttpListener> bound, CompletableFuture<TroupeRuntime> started) {
    static Startup create() {
      return new Startup(new CompletableFuture<>(), new CompletableFuture<>());
    }

    void fail(Throwable error) {
      bound.completeExceptionally(error);
      started.completeExceptionally(error);
    }
  }

  private final TroupeSettings settings;
  private final TroupeComponents components;
  private final NodeState node;
  private final Startup startup;
  private final ApiKeys keys;

  static Behavior<Command> create(
      TroupeSettings settings, TroupeComponents components, ApiKeys keys, NodeState node, Startup startup) {
    return Behaviors.setup(context -> new ServerGuardian(context, settings, components, keys, node, startup));
  }

  private ServerGuardian(ActorContext<Command> context, TroupeSettings settings, TroupeComponents components,
      ApiKeys keys, NodeState node, Startup startup) {
    super(context);
    this.settings = settings;
    this.components = components;
    this.node = node;
    this.startup = startup;
    this.keys = keys;
    var system = context.getSystem();
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "troupe-not-ready",
        () -> {
          node.stopping();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    ApiRoutes routes = new ApiRoutes(node, keys, settings.http(), system.executionContext());
    Optional<SSLContext> tls = Optional.empty();
    if (settings.http().tls().enabled()) {
      try {
        tls = Optional.of(HttpsContext.of(settings.http().tls()));
      } catch (IllegalStateException e) {
        context.getSelf().tell(new Failed(e.getMessage(), e));
        return;
      }
    }
    var handler = routes.routes().handler(system);
    var options = new HttpListener.Options(settings.http().host(), settings.http().port(),
        settings.http().headerReadTimeout(), tls);
    context.pipeToSelf(HttpListener.bind(system, options, request -> {
      try {
        return handler.apply(request);
      } catch (Exception e) {
        return CompletableFuture.failedFuture(e);
      }
    }),
        (bound, error) -> error == null
            ? new Bound(bound)
            : new Failed("cannot listen on " + settings.http().host() + ":" + settings.http().port(), error));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Bound.class, this::onBound)
        .onMessage(Started.class, this::onRuntime)
        .onMessage(KeysLoaded.class, this::onStarted)
        .onMessage(Failed.class, this::onFailed)
        .build();
  }

  private Behavior<Command> onBound(Bound bound) {
    var system = getContext().getSystem();
    bound.binding().addToCoordinatedShutdown(settings.http().shutdownDeadline(), system);
    startup.bound().complete(bound.binding());
    getContext().pipeToSelf(TroupeRuntime.start(system, settings, components),
        (runtime, error) -> error == null ? new Started(runtime) : new Failed("the runtime did not start", error));
    return this;
  }

  private Behavior<Command> onRuntime(Started started) {
    // Keys created over the API must be accepted before the node says it is ready.
    TroupeRuntime runtime = started.runtime();
    var system = getContext().getSystem();
    var chain = new dev.troupe.persistence.AuditChain(runtime.audit().hasher());
    runtime.sharding().init(org.apache.pekko.cluster.sharding.typed.javadsl.Entity.of(KeyRing.ENTITY_TYPE_KEY,
        entity -> KeyRing.create(entity.getEntityId(), chain, java.time.Clock.systemUTC(), settings.supervision())));
    getContext().pipeToSelf(KeyFeed.follow(keys, runtime.audit().readJournal(), system),
        (loaded, error) -> error == null ? new KeysLoaded(runtime) : new Failed("the API keys did not load", error));
    return this;
  }

  private Behavior<Command> onStarted(KeysLoaded started) {
    node.started(started.runtime());
    startup.started().complete(started.runtime());
    getContext().getLog().info("Troupe is ready on port {} with capabilities {}",
        startup.bound().join().localAddress().getPort(), started.runtime().catalog().capabilities());
    return this;
  }

  private Behavior<Command> onFailed(Failed failed) {
    getContext().getLog().error("Troupe cannot start: {}", failed.what(), failed.cause());
    startup.fail(new IllegalStateException(failed.what(), failed.cause()));
    return Behaviors.stopped();
  }
}
