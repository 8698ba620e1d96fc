package dev.troupe.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditKeys;
import dev.troupe.persistence.EmbeddedJournal;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.runtime.agent.AgentCatalog;
import dev.troupe.runtime.agent.AgentEntity;
import dev.troupe.runtime.audit.TaskTimeline;
import dev.troupe.runtime.directory.TaskDirectory;
import dev.troupe.runtime.guard.Redactor;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.metrics.TaskMetrics;
import dev.troupe.runtime.model.ModelRouting;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.runtime.workflow.ExternalEvents;
import dev.troupe.runtime.workflow.WorkflowClient;
import dev.troupe.sdk.TroupeComponents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A started Troupe node: the journal ready, the node Up in its cluster, the marketplace running,
 * the agents and tasks sharded. The same code runs one node or many; only configuration differs.
 */
public final class TroupeRuntime {
  /** Where agent and tool code runs: a thread pool of its own, never Pekko's default dispatcher. */
  public static final String AGENT_DISPATCHER = "troupe-agent-dispatcher";

  private final TroupeSettings settings;
  private final ModelRouting models;
  private final AgentCatalog catalog;
  private final TaskClient tasks;
  private final JournalAudit audit;
  private final ActorRef<MarketplaceRegistry.Command> registry;
  private final ClusterSharding sharding;
  private final WorkflowClient workflows;
  private final TaskDirectory directory;
  private final dev.troupe.runtime.guard.Quarantine quarantine;
  private final dev.troupe.runtime.guard.JournalHealth journalHealth;
  private final Redactor redactor;
  private final TaskMetrics metrics;
  private final dev.troupe.runtime.admission.TaskIntake intake;
  private final dev.troupe.runtime.guard.AuditCheckpointer checkpointer;

  private TroupeRuntime(TroupeSettings settings, AgentCatalog catalog, JournalAudit audit, ModelRouting models,
      RuntimeGuardian.Parts parts, dev.troupe.runtime.guard.AuditCheckpointer checkpointer) {
    this.settings = settings;
    this.models = models;
    this.catalog = catalog;
    this.audit = audit;
    this.tasks = parts.tasks();
    this.registry = parts.registry();
    this.sharding = parts.sharding();
    this.workflows = parts.workflows();
    this.directory = parts.directory();
    this.metrics = parts.metrics();
    this.redactor = parts.redactor();
    this.quarantine = parts.quarantine();
    var probe = new dev.troupe.persistence.JournalProbe(settings.dataDir());
    this.journalHealth = new dev.troupe.runtime.guard.JournalHealth(probe::write,
        dev.troupe.persistence.JournalProbe::isFatal, dev.troupe.persistence.JournalProbe::describe);
    this.intake = parts.intake();
    this.checkpointer = checkpointer;
  }

  /** The signed checkpoints of every entity's chain head: written now and then, compared on request. */
  public dev.troupe.runtime.guard.AuditCheckpointer checkpoints() {
    return checkpointer;
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
        AGENT_DISPATCHER + ".throughput", 1,
        // The shutdown phase that drains running steps must outlast the drain.
        "pekko.coordinated-shutdown.phases.service-requests-done.timeout",
        (settings.agents().drainTimeout().toMillis() + 5_000) + "ms"));
    return EmbeddedJournal.config(settings).withFallback(dispatcher);
  }

  /**
   * Starts everything on {@code system}; completes when the node can take tasks. Opening the
   * data directory and the journal's connection pool blocks, so it runs on Pekko's blocking-IO
   * dispatcher, never on the caller's (usually an actor's) thread. A bad agent registration (an
   * ungranted tool, an unknown model tier, two agents of one type) fails the returned stage.
   */
  public static CompletionStage<TroupeRuntime> start(
      ActorSystem<?> system, TroupeSettings settings, TroupeComponents components) {
    AgentCatalog catalog;
    ToolRegistry tools;
    ModelRouting models;
    Executor agentExecutor = system.dispatchers().lookup(DispatcherSelector.fromConfig(AGENT_DISPATCHER));
    try {
      tools = new ToolRegistry(components.tools());
      var cache = settings.cache();
      models = ModelRouting.create(system, settings.models(), components.models(), agentExecutor,
          cache.models() ? new dev.troupe.runtime.guard.ResultCache<>("models", cache.ttl(), cache.maxEntries()) : null);
      catalog = new AgentCatalog(components.agents(), tools, models.gateway());
      for (String gated : settings.agents().toolsNeedingApproval()) {
        if (tools.tool(gated).isEmpty()) {
          throw new IllegalArgumentException("troupe.agents.tools-needing-approval: no tool " + gated
              + " is registered (known: " + tools.names().stream().sorted().toList() + ")");
        }
      }
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    Clock clock = Clock.systemUTC();
    Executor blockingIo = system.dispatchers().lookup(DispatcherSelector.blocking());
    return CompletableFuture
        .supplyAsync(() -> {
          boolean newJournal = !EmbeddedJournal.exists(settings.dataDir());
          createDataDir(settings);
          AuditKeys keys;
          try {
            keys = AuditKeys.loadOrCreate(settings.audit().chainKeysFile(), missingKeys(settings, newJournal), clock);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("troupe.audit.chain-keys-file: " + e.getMessage(), e);
          }
          var checkpoints = dev.troupe.persistence.AuditCheckpoints.open(settings.audit().checkpointKeyFile(),
              settings.audit().checkpointDir());
          return new Opened(new JournalAudit(system, keys), new dev.troupe.runtime.guard.AuditCheckpointer(checkpoints,
              new dev.troupe.persistence.JournalHeads(settings.dataDir()), clock, blockingIo));
        }, blockingIo)
        .thenCompose(opened -> EmbeddedJournal.createSchema(system).thenApply(done -> opened))
        .thenCompose(opened -> ClusterMembership.joinAndAwaitUp(system).thenApply(up -> opened))
        .thenCompose(opened -> {
          CompletableFuture<RuntimeGuardian.Parts> started = new CompletableFuture<>();
          system.systemActorOf(RuntimeGuardian.create(new RuntimeGuardian.Wiring(settings, components, catalog, tools,
              models, opened.audit(), agentExecutor, clock), started), RuntimeGuardian.NAME, Props.empty());
          return started.thenApply(parts -> new TroupeRuntime(settings, catalog, opened.audit(), models, parts,
              opened.checkpointer()));
        })
        .thenCompose(runtime -> runtime.registerWorkflows(components))
        .thenCompose(runtime -> runtime.awaitAdvertised(system, Duration.ofSeconds(30), blockingIo))
        .thenCompose(runtime -> runtime.awaitCurrentDirectory(blockingIo))
        .thenApply(runtime -> {
          runtime.journalHealth.start(system, JOURNAL_PROBE_EVERY, blockingIo);
          runtime.checkpointer.start(system, settings.audit().checkpointEvery());
          return runtime;
        });
  }

  /**
   * What to do if the chain key file is missing: make it for a new journal or one from before
   * keyed links, at the default path only; otherwise refuse to start (a new key would make every
   * keyed link look forged).
   */
  private static AuditKeys.Missing missingKeys(TroupeSettings settings, boolean newJournal) {
    java.nio.file.Path keys = settings.audit().chainKeysFile();
    if (java.nio.file.Files.exists(keys)) {
      return AuditKeys.Missing.REFUSE; // not consulted
    }
    if (!keys.equals(settings.dataDir().resolve("audit-chain.keys"))) {
      return AuditKeys.Missing.REFUSE; // a configured place (a secret mount): its absence is a mistake
    }
    if (newJournal) {
      return AuditKeys.Missing.CREATE_FOR_NEW_JOURNAL;
    }
    return EmbeddedJournal.hasKeyedLinks(settings.dataDir()) ? AuditKeys.Missing.REFUSE
        : AuditKeys.Missing.CREATE_FOR_OLD_JOURNAL;
  }

  /** What start-up opens before the journal: the audit with its keys, and the checkpoints. */
  private record Opened(JournalAudit audit, dev.troupe.runtime.guard.AuditCheckpointer checkpointer) {}

  /** How often the journal's ability to write is probed. */
  static final Duration JOURNAL_PROBE_EVERY = Duration.ofSeconds(1);

  /** Whether the journal can write now (probed): a full disk makes the node unready and writes fail fast. */
  public dev.troupe.runtime.guard.JournalHealth journalHealth() {
    return journalHealth;
  }

  /**
   * Completes once the task directory has folded the journal as it was at start: until then its
   * lists and in-flight counts are partial, and the node must not serve them or admit on them.
   * It takes as long as the journal is long; there is no limit, since the only alternative is
   * serving wrong answers.
   */
  private CompletionStage<TroupeRuntime> awaitCurrentDirectory(Executor executor) {
    CompletableFuture<TroupeRuntime> current = new CompletableFuture<>();
    pollDirectory(System.nanoTime() + LOG_WAIT_EVERY.toNanos(), executor, current);
    return current;
  }

  private static final Duration LOG_WAIT_EVERY = Duration.ofSeconds(10);

  private void pollDirectory(long logAt, Executor executor, CompletableFuture<TroupeRuntime> current) {
    if (directory.isCurrent()) {
      current.complete(this);
      return;
    }
    long next = logAt;
    if (System.nanoTime() > logAt) {
      org.slf4j.LoggerFactory.getLogger(TroupeRuntime.class)
          .info("Still reading the task journal for the task lists (at offset {})", directory.offset());
      next = System.nanoTime() + LOG_WAIT_EVERY.toNanos();
    }
    long nextLogAt = next;
    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, executor)
        .execute(() -> pollDirectory(nextLogAt, executor, current));
  }

  /** Registers the node's workflows; one already registered unchanged keeps its version. */
  private CompletionStage<TroupeRuntime> registerWorkflows(TroupeComponents components) {
    CompletableFuture<?>[] registrations = components.workflows().stream()
        .map(definition -> workflows.register(definition, dev.troupe.persistence.AuditActor.system("workflows"))
            .toCompletableFuture())
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(registrations).thenApply(done -> this);
  }

  /**
   * Completes once the marketplace knows every agent this node runs, so the first task after
   * start finds its agent instead of failing an attempt; fails if that takes longer than
   * {@code limit}.
   */
  private CompletionStage<TroupeRuntime> awaitAdvertised(ActorSystem<?> system, Duration limit, Executor executor) {
    long deadline = System.nanoTime() + limit.toNanos();
    CompletableFuture<TroupeRuntime> ready = new CompletableFuture<>();
    pollAdvertised(system, deadline, executor, ready);
    return ready;
  }

  private void pollAdvertised(ActorSystem<?> system, long deadline, Executor executor,
      CompletableFuture<TroupeRuntime> ready) {
    AskPattern.<MarketplaceRegistry.Command, MarketplaceRegistry.AgentList>ask(registry,
            MarketplaceRegistry.ListAgents::new, Duration.ofSeconds(2), system.scheduler())
        .whenCompleteAsync((list, error) -> {
          Set<String> advertised = list == null ? Set.of()
              : list.agents().stream().map(ad -> ad.agentId()).collect(Collectors.toSet());
          // An agent whose journal cannot be read is quarantined: it must not keep the node from starting.
          Set<String> waitedFor = catalog.instanceIds().stream()
              .filter(id -> !quarantine.contains(AgentEntity.persistenceId(id))).collect(Collectors.toSet());
          if (advertised.containsAll(waitedFor)) {
            ready.complete(this);
          } else if (System.nanoTime() > deadline) {
            Set<String> missing = new TreeSet<>(catalog.instanceIds());
            missing.removeAll(advertised);
            missing.retainAll(waitedFor);
            ready.completeExceptionally(new IllegalStateException(
                "these agents did not reach the marketplace in time: " + missing));
          } else {
            CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS, executor)
                .execute(() -> pollAdvertised(system, deadline, executor, ready));
          }
        }, executor);
  }

  /** The entities on this node whose journal cannot be read, shut off while the rest serves. */
  public dev.troupe.runtime.guard.Quarantine quarantine() {
    return quarantine;
  }

  public TroupeSettings settings() {
    return settings;
  }

  /** The node's models and tiers, with their breakers: what agents think with. */
  public ModelRouting models() {
    return models;
  }

  /** The agents this node runs and the capabilities they offer. */
  public AgentCatalog catalog() {
    return catalog;
  }

  public TaskClient tasks() {
    return tasks;
  }

  /** Submitting a task with admission control: what the HTTP API calls. */
  public dev.troupe.runtime.admission.TaskIntake intake() {
    return intake;
  }

  /** What is masked in what clients are shown (and in journaled tool calls). */
  public Redactor redactor() {
    return redactor;
  }

  /** Events posted from outside, which start the workflows they trigger. */
  public ExternalEvents events() {
    return new ExternalEvents(workflows, tasks);
  }

  /** What {@code /metrics} shows. */
  public TaskMetrics metrics() {
    return metrics;
  }

  /** Task and approval lists, per tenant (a read side that trails the journal slightly). */
  public TaskDirectory directory() {
    return directory;
  }

  public JournalAudit audit() {
    return audit;
  }

  /** A task's timeline with its agents' activity in place (read from the agents' journals). */
  public TaskTimeline timeline() {
    return new TaskTimeline(audit);
  }

  /** The marketplace: ranked matches and the agents' advertisements. */
  public ActorRef<MarketplaceRegistry.Command> registry() {
    return registry;
  }

  public ClusterSharding sharding() {
    return sharding;
  }

  /** Workflow definitions and their versions. */
  public WorkflowClient workflows() {
    return workflows;
  }

  private static void createDataDir(TroupeSettings settings) {
    try {
      Files.createDirectories(settings.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + settings.dataDir(), e);
    }
  }
}
