package dev.troupe.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.sdk.TroupeComponents;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;

/** One running Troupe node: its ActorSystem, HTTP binding and runtime. Used by main and tests. */
public final class TroupeNode {
  private final ActorSystem<ServerGuardian.Command> system;
  private final ServerGuardian.Startup startup;
  private final NodeState state;

  private TroupeNode(ActorSystem<ServerGuardian.Command> system, ServerGuardian.Startup startup, NodeState state) {
    this.system = system;
    this.startup = startup;
    this.state = state;
  }

  /** Starts a node; {@code config} is the loaded configuration, {@code settings} read from it. */
  public static TroupeNode start(Config config, TroupeSettings settings, ApiKeys keys, TroupeComponents components) {
    Config http = ConfigFactory.parseMap(Map.of(
        "pekko.http.server.parsing.max-content-length", settings.http().maxBodyBytes()));
    Config full = TroupeRuntime.pekkoConfig(settings).withFallback(http).withFallback(config);
    NodeState state = new NodeState();
    ServerGuardian.Startup startup = ServerGuardian.Startup.create();
    ActorSystem<ServerGuardian.Command> system =
        ActorSystem.create(ServerGuardian.create(settings, components, keys, state, startup), "troupe", full);
    return new TroupeNode(system, startup, state);
  }

  /** Completes when HTTP is listening; fails if it cannot. */
  public CompletionStage<Integer> bound() {
    return startup.bound().thenApply(b -> b.localAddress().getPort());
  }

  /** Completes when the node takes tasks. */
  public CompletionStage<TroupeRuntime> started() {
    return startup.started();
  }

  public NodeState state() {
    return state;
  }

  public ActorSystem<?> system() {
    return system;
  }

  /** Runs coordinated shutdown and waits for the system to terminate. */
  public void stop(Duration timeout) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the node", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the node did not stop within " + timeout, e);
    }
  }
}
