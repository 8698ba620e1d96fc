package dev.troupe.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.EmbeddedJournal;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.runtime.agent.AgentDefinition;
import dev.troupe.runtime.agent.AgentDirectory;
import dev.troupe.runtime.agent.AgentHandle;
import dev.troupe.runtime.agent.AgentsSupervisor;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskDependencies;
import dev.troupe.runtime.task.TaskEntity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * A started Troupe node: the journal ready, the node Up in its cluster, the agents running and
 * the task entities sharded. The same code runs one node or many; only configuration differs.
 */
public final class TroupeRuntime {
  /** Where agent code runs: a thread pool of its own, never Pekko's default dispatcher. */
  public static final String AGENT_DISPATCHER = "troupe-agent-dispatcher";

  private final TroupeSettings settings;
  private final AgentDirectory agents;
  private final TaskClient tasks;
  private final JournalAudit audit;

  private TroupeRuntime(TroupeSettings settings, AgentDirectory agents, TaskClient tasks, JournalAudit audit) {
    this.settings = settings;
    this.agents = agents;
    this.tasks = tasks;
    this.audit = audit;
  }

  /**
   * The Pekko configuration derived from Troupe's settings; layer it over the loaded config
   * before creating the ActorSystem.
   */
  public static Config pekkoConfig(TroupeSettings settings) {
    Config dispatcher = ConfigFactory.parseMap(Map.of(
        AGENT_DISPATCHER + ".type", "Dispatcher",
        AGENT_DISPATCHER + ".executor", "thread-pool-executor",
        AGENT_DISPATCHER + ".thread-pool-executor.fixed-pool-size", settings.agents().workerThreads(),
        AGENT_DISPATCHER + ".throughput", 1));
    return EmbeddedJournal.config(settings).withFallback(dispatcher);
  }

  /**
   * Starts everything on {@code system}; completes when the node can take tasks. Opening the
   * data directory and the journal's connection pool blocks, so it runs on Pekko's blocking-IO
   * dispatcher, never on the caller's (usually an actor's) thread.
   */
  public static CompletionStage<TroupeRuntime> start(
      ActorSystem<?> system, TroupeSettings settings, List<AgentDefinition> definitions) {
    requireUniqueIds(definitions);
    Clock clock = Clock.systemUTC();
    Executor blockingIo = system.dispatchers().lookup(DispatcherSelector.blocking());
    Executor agentExecutor = system.dispatchers().lookup(DispatcherSelector.fromConfig(AGENT_DISPATCHER));

    CompletableFuture<Map<String, AgentHandle>> started = new CompletableFuture<>();
    system.systemActorOf(
        AgentsSupervisor.create(definitions, agentExecutor, clock, settings.supervision(), started),
        "agents", Props.empty());

    return CompletableFuture
        .supplyAsync(() -> {
          createDataDir(settings);
          return new JournalAudit(system);
        }, blockingIo)
        .thenCompose(audit -> EmbeddedJournal.createSchema(system).thenApply(done -> audit))
        .thenCompose(audit -> ClusterMembership.joinAndAwaitUp(system).thenApply(up -> audit))
        .thenCombine(started, (audit, handles) -> {
          AgentDirectory directory = new AgentDirectory(definitions, handles);
          TaskDependencies deps = new TaskDependencies(settings.tasks(), settings.supervision(), directory,
              new AuditChain(audit.hasher()), clock);
          ClusterSharding sharding = ClusterSharding.get(system);
          sharding.init(Entity.of(TaskEntity.ENTITY_TYPE_KEY, entity -> TaskEntity.create(entity, deps))
              .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true)));
          return new TroupeRuntime(settings, directory,
              new TaskClient(sharding, settings.http().requestTimeout()), audit);
        });
  }

  public TroupeSettings settings() {
    return settings;
  }

  public AgentDirectory agents() {
    return agents;
  }

  public TaskClient tasks() {
    return tasks;
  }

  public JournalAudit audit() {
    return audit;
  }

  private static void requireUniqueIds(List<AgentDefinition> definitions) {
    Set<String> ids = new HashSet<>();
    for (AgentDefinition definition : definitions) {
      if (!ids.add(definition.id())) {
        throw new IllegalArgumentException("two agents have the id " + definition.id());
      }
    }
  }

  private static void createDataDir(TroupeSettings settings) {
    try {
      Files.createDirectories(settings.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + settings.dataDir(), e);
    }
  }
}
