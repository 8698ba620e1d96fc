package dev.troupe.runtime.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelGateway;
import dev.troupe.sdk.TroupeComponents;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One Troupe node in this JVM, started as the server starts it (minus HTTP): the default
 * configuration (embedded H2 journal under {@code dataDir}, audit chain, remembered entities),
 * with any {@code -Dtroupe.*} system property layered on top by {@link TroupeSettings#load}.
 */
final class BenchNode implements AutoCloseable {
  final Path dataDir;
  final ActorSystem<Void> system;
  final TroupeRuntime runtime;
  private boolean stopped;

  private BenchNode(Path dataDir, ActorSystem<Void> system, TroupeRuntime runtime) {
    this.dataDir = dataDir;
    this.system = system;
    this.runtime = runtime;
  }

  static BenchNode start(Path dataDir, List<AgentRegistration> agents, ModelClient model,
      List<WorkflowDefinition> workflows) throws Exception {
    Config config = TroupeSettings.load(ConfigFactory.parseMap(Map.of("troupe.data-dir", dataDir.toString())));
    TroupeSettings settings = TroupeSettings.create(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "troupe",
        TroupeRuntime.pekkoConfig(settings).withFallback(config));
    try {
      TroupeComponents components = new TroupeComponents(agents, List.of(), ModelGateway.allTiers(model), workflows);
      TroupeRuntime runtime = TroupeRuntime.start(system, settings, components).toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
      return new BenchNode(dataDir, system, runtime);
    } catch (Exception e) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Stops the ActorSystem (journal pool included) and waits up to a minute for it. */
  @Override
  public void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
    if (stopped) {
      return;
    }
    stopped = true;
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the node", e);
    }
  }
}
