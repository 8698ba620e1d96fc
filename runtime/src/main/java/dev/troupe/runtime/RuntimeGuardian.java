package dev.troupe.runtime;

import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.runtime.agent.AgentBulkheads;
import dev.troupe.runtime.agent.AgentCatalog;
import dev.troupe.runtime.agent.AgentDependencies;
import dev.troupe.runtime.agent.AgentEntity;
import dev.troupe.runtime.agent.LocalSteps;
import dev.troupe.runtime.budget.TaskBudgets;
import dev.troupe.runtime.directory.DirectoryFeed;
import dev.troupe.runtime.admission.TaskIntake;
import dev.troupe.runtime.directory.TaskDirectory;
import dev.troupe.runtime.effect.EffectLedger;
import dev.troupe.runtime.effect.EffectLedgerEntity;
import dev.troupe.runtime.guard.CircuitBreakers;
import dev.troupe.runtime.guard.Redactor;
import dev.troupe.runtime.guard.ResultCache;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.metrics.TaskMetrics;
import dev.troupe.runtime.model.ModelHealthJournal;
import dev.troupe.runtime.model.ModelRouting;
import dev.troupe.runtime.task.ChildWorkflows;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskDelegator;
import dev.troupe.runtime.task.TaskDependencies;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.runtime.workflow.TriggerRouter;
import dev.troupe.runtime.workflow.WorkflowClient;
import dev.troupe.runtime.workflow.WorkflowEntity;
import dev.troupe.sdk.TroupeComponents;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The node's runtime, as one tree. Started once the journal is ready and the node is Up, it
 * starts every part in this order and hands them back:
 *
 * <pre>
 * troupe (this guardian)
 * ├── marketplace-topic   where agents advertise, on every node
 * ├── registry            marketplace: advertisements, waiting lines, matching, reputation
 * ├── model-health        {@link ModelHealthJournal}: this node's journal of its models' breakers
 * ├── agents              sharding region of {@link AgentEntity} (also on one node)
 * ├── tasks               sharding region of {@link TaskEntity}: one orchestrator per task
 * ├── models              {@link ModelRouting} (built from troupe.models before): tiers, fallbacks, breakers
 * ├── workflows           sharding region of {@link WorkflowEntity}: versioned definitions
 * ├── effects             sharding region of {@link EffectLedgerEntity}: each task's calls of tools that are not idempotent
 * ├── trigger-router      cluster singleton {@link TriggerRouter}: workflows started by others
 * └── read side           {@link TaskDirectory} (lists, approvals) and {@link TaskMetrics}, fed by
 *                         {@link DirectoryFeed} from the journal
 * </pre>
 *
 * Sharded entities and the singleton belong to Pekko's sharding and singleton managers; the topic
 * and the registry are this guardian's children, restarted with backoff if they fail.
 */
public final class RuntimeGuardian {
  /** The guardian's name under Pekko's system guardian. */
  public static final String NAME = "troupe";

  /** What the guardian started; what {@link TroupeRuntime} serves. */
  public record Parts(ActorRef<MarketplaceRegistry.Command> registry, ClusterSharding sharding, TaskClient tasks,
      WorkflowClient workflows, TaskDirectory directory, TaskMetrics metrics, Redactor redactor,
      dev.troupe.runtime.guard.Quarantine quarantine, TaskIntake intake) {}

  /** What the parts are built from. */
  public record Wiring(TroupeSettings settings, TroupeComponents components, AgentCatalog catalog,
      ToolRegistry tools, ModelRouting models, JournalAudit audit, Executor agentExecutor, Clock clock) {}

  private RuntimeGuardian() {}

  /** The guardian's behaviour: it starts the parts in its setup and completes {@code started} with them. */
  public static Behavior<Void> create(Wiring wiring, CompletableFuture<Parts> started) {
    return Behaviors.setup(context -> {
      try {
        started.complete(startParts(context, wiring));
      } catch (RuntimeException e) {
        started.completeExceptionally(e);
      }
      return Behaviors.empty();
    });
  }

  private static Parts startParts(ActorContext<Void> context, Wiring wiring) {
    ActorSystem<?> system = context.getSystem();
    TroupeSettings settings = wiring.settings();
    var agentSettings = settings.agents();
    var supervision = settings.supervision();
    SupervisorStrategy restart = SupervisorStrategy.restartWithBackoff(supervision.minBackoff(),
        supervision.maxBackoff(), supervision.randomFactor());

    ActorRef<Topic.Command<MarketplaceRegistry.Command>> topic = context.spawn(
        Topic.create(MarketplaceRegistry.Command.class, MarketplaceRegistry.TOPIC), "marketplace-topic");
    ActorRef<MarketplaceRegistry.Command> registry = context.spawn(Behaviors.supervise(
            MarketplaceRegistry.create(topic, agentSettings.advertiseInterval().multipliedBy(3), wiring.clock()))
        .onFailure(restart), "registry");

    ClusterSharding sharding = ClusterSharding.get(system);
    AuditChain chain = new AuditChain(wiring.audit().hasher());
    Duration requestTimeout = settings.http().requestTimeout();
    Duration stepTimeout = settings.tasks().stepTimeout();
    TaskClient taskClient = new TaskClient(sharding, requestTimeout);
    TaskBudgets budgets = new TaskBudgets(sharding, requestTimeout);
    Redactor redactor = Redactor.of(settings.redaction());
    LocalSteps localSteps = new LocalSteps();
    AgentBulkheads bulkheads = AgentBulkheads.of(agentSettings);
    CircuitBreakers toolBreakers = new CircuitBreakers(agentSettings.toolBreaker());
    var cacheSettings = settings.cache();
    ResultCache<com.fasterxml.jackson.databind.JsonNode> toolCache = cacheSettings.tools()
        ? new ResultCache<>("tools", cacheSettings.ttl(), cacheSettings.maxEntries()) : null;
    system.getWhenTerminated().thenRun(bulkheads::shutdown);

    // An entity whose journal cannot be read is shut off alone; the rest of the node serves.
    dev.troupe.runtime.guard.Quarantine quarantine = new dev.troupe.runtime.guard.Quarantine(wiring.audit()::verify,
        wiring.clock());
    AgentEntity.init(system, new AgentDependencies(wiring.catalog(), wiring.models().gateway(), wiring.tools(),
        wiring.agentExecutor(), topic, new TaskDelegator(taskClient, stepTimeout, wiring.agentExecutor()),
        agentSettings, stepTimeout, supervision, chain, wiring.clock(), budgets, redactor, localSteps, bulkheads,
        toolBreakers, toolCache, EffectLedger.sharded(sharding, requestTimeout), quarantine));
    EffectLedgerEntity.init(system, chain, wiring.clock(), supervision);

    String workflowPrefix = WorkflowEntity.ENTITY_TYPE_KEY.name() + "|";
    WorkflowClient workflowClient = new WorkflowClient(sharding, requestTimeout, wiring.catalog()::offers,
        () -> PlainFutures.of(wiring.audit().readJournal().currentPersistenceIds()
                .filter(id -> id.startsWith(workflowPrefix))
                .map(id -> id.substring(workflowPrefix.length()))
                .runWith(Sink.seq(), system))
            .thenApply(names -> names.stream().sorted().toList()));
    TaskEntity.init(system, new TaskDependencies(settings.tasks(), supervision, registry,
        (agentId, step) -> sharding.entityRefFor(AgentEntity.ENTITY_TYPE_KEY, agentId).tell(step),
        new ChildWorkflows(workflowClient, taskClient, stepTimeout), wiring.tools(), chain, wiring.clock(),
        wiring.agentExecutor(), budgets, redactor, quarantine));
    WorkflowEntity.init(system, chain, wiring.clock(), supervision);
    // Agents advertise once awake; remembered entities would wake them too, but only after a restart.
    for (String agentId : wiring.catalog().instanceIds()) {
      sharding.entityRefFor(AgentEntity.ENTITY_TYPE_KEY, agentId).tell(AgentEntity.Wake.INSTANCE);
    }

    // The read side first: admission counts from it, for clients' tasks and for triggered ones.
    TaskDirectory directory = new TaskDirectory();
    TaskIntake intake = new TaskIntake(taskClient, directory, settings.http().admission());
    TriggerRouter.init(system, wiring.audit().readJournal(), taskClient, intake, workflowClient, chain, wiring.clock(),
        supervision, settings.tasks().maxTriggerDepth());
    localSteps.drainOnStop(system, agentSettings.drainTimeout());

    // Every change of a model's breaker is journaled by this node (one journal per node).
    ActorRef<ModelHealthJournal.Changed> health = context.spawn(Behaviors.supervise(ModelHealthJournal.create(
            Cluster.get(system).selfMember().address().hostPort(), chain, wiring.clock())).onFailure(restart),
        "model-health");
    wiring.models().breakers().listen((model, from, to) -> health.tell(new ModelHealthJournal.Changed(model, from, to)));
    toolBreakers.listen((tool, from, to) -> health.tell(new ModelHealthJournal.Changed(tool, from, to, true)));

    TaskMetrics metrics = new TaskMetrics(directory);
    metrics.watch(wiring.models());
    metrics.watchTools(toolBreakers);
    wiring.models().cache().ifPresent(metrics::watchCache);
    if (toolCache != null) {
      metrics.watchCache(toolCache);
    }
    directory.listen(metrics);
    DirectoryFeed.follow(directory, wiring.audit().readJournal(), system, quarantine);
    return new Parts(registry, sharding, taskClient, workflowClient, directory, metrics, redactor, quarantine,
        intake);
  }
}
