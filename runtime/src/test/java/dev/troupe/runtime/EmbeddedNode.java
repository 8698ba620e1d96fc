package dev.troupe.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.ModelGateway;
import dev.troupe.sdk.TroupeComponents;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** A one-node Troupe runtime on H2 files in {@code dataDir}, as the server runs it, minus HTTP. */
final class EmbeddedNode implements AutoCloseable {
  final ActorSystem<Void> system;
  final TroupeRuntime runtime;

  private EmbeddedNode(ActorSystem<Void> system, TroupeRuntime runtime) {
    this.system = system;
    this.runtime = runtime;
  }

  static EmbeddedNode start(Path dataDir, List<Agent> agents, String hocon) throws Exception {
    return start(dataDir, agents, List.of(), hocon);
  }

  static EmbeddedNode start(Path dataDir, List<Agent> agents, List<dev.troupe.sdk.Tool> tools, String hocon)
      throws Exception {
    return startRegistered(dataDir, agents.stream().map(AgentRegistration::of).toList(), tools, hocon);
  }

  /** As {@link #start(Path, List, List, String)}, with each agent's number of instances. */
  static EmbeddedNode startRegistered(Path dataDir, List<AgentRegistration> agents, List<dev.troupe.sdk.Tool> tools,
      String hocon) throws Exception {
    // These tests stop nodes to interrupt steps on purpose: no waiting for them to finish
    // (GracefulStopIT covers the drain). A test may still set its own.
    Config config = TroupeSettings.load(ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseMap(Map.of("troupe.data-dir", dataDir.toString(),
            "troupe.agents.drain-timeout", "100ms"))));
    TroupeSettings settings = TroupeSettings.create(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "troupe",
        TroupeRuntime.pekkoConfig(settings).withFallback(config));
    TroupeComponents components = new TroupeComponents(agents, tools,
        ModelGateway.allTiers(TestModels.OK_MODEL));
    TroupeRuntime runtime = TroupeRuntime.start(system, settings, components).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    return new EmbeddedNode(system, runtime);
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the node", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the node did not stop", e);
    }
  }
}
