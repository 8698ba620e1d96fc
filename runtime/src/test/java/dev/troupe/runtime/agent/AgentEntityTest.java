package dev.troupe.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.AgentSettings;
import dev.troupe.config.SupervisionSettings;
import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditHasher;
import dev.troupe.persistence.ChainCheck;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.persistence.VerifyReport;
import dev.troupe.runtime.budget.Budgets;
import dev.troupe.runtime.market.Candidate;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.market.MatchConstraints;
import dev.troupe.runtime.market.MatchReply;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.ModelGateway;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolSpec;
import dev.troupe.sdk.testkit.ScriptedModel;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Agent instances as persistent actors, with a real marketplace topic and registry. */
class AgentEntityTest {
  private static final ActorTestKit kit = ActorTestKit.create("AgentEntityTest",
      PersistenceTestKitPlugin.config()
          .withFallback(PersistenceTestKitSnapshotPlugin.config())
          .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
          .withFallback(TroupeSettings.load()));
  private static final AuditHasher HASHER = new AuditHasher(JournalAudit.journalMapper(kit.system()));
  private static final ExecutorService AGENT_THREADS = Executors.newFixedThreadPool(4);
  private static final AtomicInteger TYPES = new AtomicInteger();
  private static final Tool ECHO = new Tool() {
    @Override
    public ToolSpec spec() {
      return new ToolSpec("test.echo", "Echoes its input.", JsonNodeFactory.instance.objectNode().put("type", "object"),
          true, true, Duration.ofSeconds(1));
    }

    @Override
    public CompletionStage<JsonNode> call(dev.troupe.sdk.ToolCall call) {
      return CompletableFuture.completedFuture(call.input());
    }
  };

  private final AtomicInteger runs = new AtomicInteger();
  /** Effects the side-effecting test tools had, by idempotency key. */
  private final Map<String, Integer> effects = new java.util.concurrent.ConcurrentHashMap<>();
  /** While set, the side-effecting tools do their effect and then never answer (a crash mid-call). */
  private final java.util.concurrent.atomic.AtomicBoolean hangAfterEffect = new java.util.concurrent.atomic.AtomicBoolean();

  /** Posts to a ledger: idempotent, so a repeat with the same key returns the first result. */
  private Tool ledger() {
    return sideEffect("test.post", true);
  }

  /** Sends a message: not idempotent, every call is another message. */
  private Tool sender() {
    return sideEffect("test.send", false);
  }

  private Tool sideEffect(String name, boolean idempotent) {
    return new Tool() {
      @Override
      public ToolSpec spec() {
        return new ToolSpec(name, "has an effect", JsonNodeFactory.instance.objectNode().put("type", "object"), true,
            idempotent, Duration.ofSeconds(30));
      }

      @Override
      public CompletionStage<JsonNode> call(dev.troupe.sdk.ToolCall call) {
        if (!idempotent || !effects.containsKey(call.idempotencyKey())) {
          effects.merge(call.idempotencyKey(), 1, Integer::sum);
        }
        if (hangAfterEffect.get()) {
          return new CompletableFuture<>();
        }
        return CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode().put("receipt", call.idempotencyKey()));
      }
    };
  }
  /** What "gate" steps answer, once a test completes it. */
  private final CompletableFuture<StepOutcome> gate = new CompletableFuture<>();
  private String type;
  private ActorRef<Topic.Command<MarketplaceRegistry.Command>> topic;
  private TestProbe<MarketplaceRegistry.Command> market;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
    AGENT_THREADS.shutdownNow();
  }

  @BeforeEach
  void freshAgentTypeAndTopic() {
    type = "worker" + TYPES.incrementAndGet();
    topic = kit.spawn(Topic.create(MarketplaceRegistry.Command.class, "market-" + type));
    market = kit.createTestProbe();
    topic.tell(Topic.subscribe(market.ref()));
  }

  /** The test agent: what it does depends on {@code input.mode}. */
  private Agent agent(AgentLimits limits) {
    AgentDefinition definition = AgentDefinition.builder(type).role("Does what the test says.")
        .capability("test.work", Duration.ofSeconds(5), "0.001").tools("test.echo", "test.post", "test.send")
        .limits(limits).build();
    return Agent.of(definition, this::behave);
  }

  private CompletionStage<StepOutcome> behave(StepContext step) {
    runs.incrementAndGet();
    String mode = step.input().path("mode").asText("ok");
    switch (mode) {
      case "throw":
        throw new IllegalStateException("boom");
      case "fail":
        return CompletableFuture.completedFuture(StepOutcome.retryable("flaky"));
      case "hang":
        return new CompletableFuture<>();
      case "gate":
        return gate;
      case "think":
        return step.model().complete(new ModelRequest("", "think", 10)).thenApply(reply ->
            StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("thought", reply.text()), 1.0));
      case "post":
      case "send":
        return step.tools().call("test." + mode, JsonNodeFactory.instance.objectNode().put("amount", 5))
            .thenApply(receipt -> StepOutcome.completed((com.fasterxml.jackson.databind.node.ObjectNode)
                JsonNodeFactory.instance.objectNode().set("receipt", receipt), 1.0));
      case "post-then-fail-once":
        return step.tools().call("test.post", JsonNodeFactory.instance.objectNode().put("amount", 5))
            .thenApply(receipt -> step.attempt() == 1 ? StepOutcome.retryable("lost the answer")
                : StepOutcome.completed((com.fasterxml.jackson.databind.node.ObjectNode)
                    JsonNodeFactory.instance.objectNode().set("receipt", receipt), 1.0));
      case "email":
        return step.tools().call("test.echo", JsonNodeFactory.instance.objectNode().put("to", "ann@acme.test"))
            .thenApply(echo -> StepOutcome.completed(JsonNodeFactory.instance.objectNode().set("echo", echo), 1.0));
      case "chatty":
        // A runaway: asks the model again and again, and swallows every failure.
        CompletionStage<Void> calls = CompletableFuture.completedFuture(null);
        for (int i = 0; i < 60; i++) {
          calls = calls.thenCompose(x -> step.model().complete(new ModelRequest("", "again", 10))
              .handle((reply, error) -> null));
        }
        return calls.thenApply(x -> StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.0));
      case "echo-loop":
        CompletionStage<Void> echoes = CompletableFuture.completedFuture(null);
        for (int i = 0; i < 5; i++) {
          echoes = echoes.thenCompose(x -> step.tools().call("test.echo", JsonNodeFactory.instance.objectNode()
              .put("same", true)).handle((reply, error) -> null));
        }
        return echoes.thenApply(x -> StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.0));
      case "model":
        return step.model().complete(new ModelRequest("", "hello", 10))
            .thenCompose(reply -> {
              step.note("the model said " + reply.text());
              step.memory().remember("last", reply.text());
              return step.tools().call("test.echo", JsonNodeFactory.instance.objectNode().put("said", reply.text()));
            })
            .thenApply(echo -> StepOutcome.completed(JsonNodeFactory.instance.objectNode().set("echo", echo), 0.9));
      default:
        return CompletableFuture.completedFuture(
            StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("done", true), 1.0));
    }
  }

  private AgentDependencies deps(Agent agent, int instances, int degradeAfter, Duration cooldown, Duration stepTimeout) {
    return deps(agent, instances, degradeAfter, cooldown, stepTimeout, 100);
  }

  private AgentDependencies deps(Agent agent, int instances, int degradeAfter, Duration cooldown, Duration stepTimeout,
      int snapshotEvery) {
    var model = ScriptedModel.named("scripted").otherwise("ok then").pricePer1kTokens("1").build();
    ToolRegistry tools = new ToolRegistry(List.of(ECHO, ledger(), sender()));
    ModelGateway models = ModelGateway.allTiers(model);
    AgentCatalog catalog = new AgentCatalog(List.of(new AgentRegistration(agent, instances)), tools, models);
    AgentSettings settings = new AgentSettings(4, false, List.of(), List.of(), degradeAfter, cooldown,
        Duration.ofSeconds(5), Duration.ofHours(1), Duration.ofMillis(200), snapshotEvery, 50, 3, List.of(), Duration.ofSeconds(10));
    return new AgentDependencies(catalog, models, tools, AGENT_THREADS, topic, Delegator.NONE, settings, stepTimeout,
        new SupervisionSettings(Duration.ofMillis(50), Duration.ofMillis(200), 0.0), new AuditChain(HASHER),
        clock, budgets, redactor, new dev.troupe.runtime.agent.LocalSteps());
  }

  /** The agents' clock; a test may move it on. */
  private final java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final Clock clock = new Clock() {
    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      java.time.Instant fixed = now.get();
      return fixed == null ? java.time.Instant.now() : fixed;
    }
  };

  /** What the budgeted steps of these tests may reserve; unlimited unless a test says otherwise. */
  private dev.troupe.runtime.budget.Budgets budgets = dev.troupe.runtime.budget.Budgets.UNLIMITED;
  private dev.troupe.runtime.guard.Redactor redactor = dev.troupe.runtime.guard.Redactor.NONE;

  private AgentDependencies deps(Agent agent) {
    return deps(agent, 1, 5, Duration.ofSeconds(30), Duration.ofSeconds(2));
  }

  private ActorRef<AgentEntity.Command> spawn(String agentId, AgentDependencies deps) {
    TestProbe<org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand> shard = kit.createTestProbe();
    return kit.spawn(AgentEntity.create(new EntityContext<>(AgentEntity.ENTITY_TYPE_KEY, agentId, shard.ref()), deps));
  }

  private static AgentEntity.StepReport run(ActorRef<AgentEntity.Command> agent, String stepId, int attempt, String mode) {
    TestProbe<AgentEntity.StepReport> reply = kit.createTestProbe();
    agent.tell(new AgentEntity.RunStep("task-1", stepId, attempt, "test.work",
        JsonNodeFactory.instance.objectNode().put("mode", mode), "goal", List.of(), Map.of(), "default", "trace-1",
        reply.ref()));
    return reply.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5));
  }

  private List<JournalEntry> journal(String agentId) {
    return PersistenceTestKit.create(kit.system()).persistedInStorage("Agent|" + agentId).stream()
        .map(JournalEntry.class::cast).toList();
  }

  /**
   * What the agent did in the attempt {@code report} tells of, found where the report points in the
   * agent's journal, as the task's readers find it.
   */
  private List<AgentEvent.StepActivity> activity(String agentId, AgentEntity.StepReport report) {
    List<AgentEvent.StepActivity> found = new java.util.ArrayList<>();
    if (report.record() == null) {
      return found;
    }
    for (JournalEntry entry : journal(agentId)) {
      long seq = entry.stamp().seq();
      if (seq < report.record().fromSeq() || seq > report.record().toSeq()) {
        continue;
      }
      if (entry.event() instanceof AgentEvent.StepRan ran && ran.stepId().equals(report.stepId())) {
        found.addAll(ran.activity());
      } else if (entry.event() instanceof AgentEvent.StepActivity a && a.stepId().equals(report.stepId())) {
        found.add(a);
      }
    }
    return found;
  }

  /** The agent's events with each one-write step's activity laid out in place. */
  private List<AgentEvent> activity(String agentId) {
    List<AgentEvent> events = new java.util.ArrayList<>();
    for (JournalEntry entry : journal(agentId)) {
      if (entry.event() instanceof AgentEvent.StepRan ran) {
        events.addAll(ran.activity());
      }
      events.add((AgentEvent) entry.event());
    }
    return events;
  }

  private List<String> journalTypes(String agentId) {
    return journal(agentId).stream().map(JournalEntry::eventType).toList();
  }

  private VerifyReport verify(String agentId) {
    ChainCheck check = ChainCheck.start();
    for (JournalEntry entry : journal(agentId)) {
      check = check.next(new StoredEntry(entry.stamp().seq(), entry), HASHER);
    }
    return check.report();
  }

  private MarketplaceRegistry.Advertise awaitAdvertisement(java.util.function.Predicate<MarketplaceRegistry.Advertise> p) {
    return (MarketplaceRegistry.Advertise) market.fishForMessage(Duration.ofSeconds(5), message ->
        message instanceof MarketplaceRegistry.Advertise ad && p.test(ad)
            ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
            : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
  }

  @Test
  void aStepIsJournaledAsItHappensAndReportedWithItsActivity() {
    String id = type + "-1";
    var agent = spawn(id, deps(agent(AgentLimits.DEFAULT)));
    AgentEntity.StepReport report = run(agent, "task-1.main", 1, "model");

    StepOutcome.Completed done = assertInstanceOf(StepOutcome.Completed.class, report.outcome());
    assertEquals("ok then", done.output().get("echo").get("said").asText());
    assertEquals(id, report.agentId());
    assertEquals(1, report.usage().modelCalls());
    assertEquals(1, report.usage().toolCalls());
    assertEquals(new BigDecimal("0.003"), report.usage().costUsd(), "1 token in, 2 out, at $1 per 1k");
    assertEquals(List.of("ModelCalled", "DecisionNoted", "ToolCallIntended", "ToolCalled"),
        activity(id, report).stream().map(e -> e.getClass().getSimpleName()).toList());
    assertEquals(List.of("AgentConfigured", "StepAccepted", "ModelCalled", "DecisionNoted", "NoteRemembered",
        "ToolCallIntended", "ToolCalled", "StepFinished"), journalTypes(id));
    AgentEvent.ToolCalled tool = (AgentEvent.ToolCalled) activity(id, report).get(3);
    assertEquals("ok", tool.outcome());
    assertEquals("task-1.main/tool-1", tool.idempotencyKey());
    JournalEntry accepted = journal(id).get(1);
    assertEquals("task-1", accepted.stamp().taskId());
    assertEquals("trace-1", accepted.stamp().traceId());
    assertEquals("trace-1", journal(id).get(2).stamp().traceId(), "activity carries the step's trace");
    assertEquals(VerifyReport.ok(8), verify(id));
  }

  private static AgentEntity.StepReport runBudgeted(ActorRef<AgentEntity.Command> agent, String stepId, String mode) {
    TestProbe<AgentEntity.StepReport> reply = kit.createTestProbe();
    agent.tell(new AgentEntity.RunStep("task-1", stepId, 1, "test.work",
        JsonNodeFactory.instance.objectNode().put("mode", mode), "goal", List.of(), Map.of(), "default", "trace-1",
        reply.ref(), true));
    return reply.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5));
  }

  @Test
  void aBudgetedModelCallIsReservedFirstAndSettledAfterAndARefusedOneIsNeverMade() {
    List<String> ledger = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean();
    budgets = new Budgets() {
      @Override
      public CompletionStage<Decision> reserve(String taskId, String stepId, String callKey, long tokens,
          BigDecimal costUsd) {
        ledger.add("reserve " + callKey + " " + tokens + " " + costUsd.stripTrailingZeros().toPlainString());
        return CompletableFuture.completedFuture(refuse.get() ? Decision.refused("3 of 10 tokens are left")
            : Decision.GRANTED);
      }

      @Override
      public void settle(String taskId, String stepId, String callKey, long tokens, BigDecimal costUsd) {
        ledger.add("settle " + callKey + " " + tokens + " " + costUsd.stripTrailingZeros().toPlainString());
      }
    };
    String id = type + "-1";
    var agent = spawn(id, deps(agent(AgentLimits.DEFAULT)));
    assertInstanceOf(StepOutcome.Completed.class, runBudgeted(agent, "task-1.a", "model").outcome());
    // Worst case: "hello" is 2 tokens by length, plus the 10 the request allows out, at $1 per 1k.
    assertEquals(List.of("reserve task-1.a#1/model-1 12 0.012", "settle task-1.a#1/model-1 3 0.003"), ledger);

    refuse.set(true);
    AgentEntity.StepReport refused = runBudgeted(agent, "task-1.b", "model");
    StepOutcome.Failed failed = assertInstanceOf(StepOutcome.Failed.class, refused.outcome());
    assertEquals(false, failed.retryable());
    assertEquals("BUDGET_EXCEEDED: 3 of 10 tokens are left", failed.reason());
    assertEquals(0, refused.usage().tokens(), "the model was not called");
    AgentEvent.ModelCalled notCalled = (AgentEvent.ModelCalled) activity(id, refused).get(0);
    assertEquals("BUDGET_EXCEEDED: 3 of 10 tokens are left", notCalled.error());
  }

  @Test
  void toolCallsAreJournaledMaskedWhileTheAgentSeesTheRealValues() {
    redactor = dev.troupe.runtime.guard.Redactor.of(new dev.troupe.config.RedactionSettings(List.of("email"),
        List.of()));
    String id = type + "-1";
    var agent = spawn(id, deps(agent(AgentLimits.DEFAULT)));
    AgentEntity.StepReport report = run(agent, "task-1.e", 1, "email");
    StepOutcome.Completed done = assertInstanceOf(StepOutcome.Completed.class, report.outcome());
    assertEquals("ann@acme.test", done.output().get("echo").get("to").asText(), "the agent got the real value");
    AgentEvent.ToolCalled journaled = journal(id).stream().map(JournalEntry::event)
        .filter(e -> e instanceof AgentEvent.ToolCalled).map(AgentEvent.ToolCalled.class::cast).findFirst().orElseThrow();
    assertEquals("[REDACTED:email]", journaled.input().get("to").asText());
    assertEquals("[REDACTED:email]", journaled.output().get("to").asText());
    assertEquals(List.of("input: email x1", "output: email x1"), journaled.redactions());
    AgentEvent.ToolCallIntended intent = journal(id).stream().map(JournalEntry::event)
        .filter(e -> e instanceof AgentEvent.ToolCallIntended).map(AgentEvent.ToolCallIntended.class::cast)
        .findFirst().orElseThrow();
    assertEquals("[REDACTED:email]", intent.input().get("to").asText());
    assertEquals(VerifyReport.ok(journal(id).size()), verify(id));
  }

  @Test
  void aStepThatCallsTheModelTooOftenOrRepeatsAToolCallIsStoppedForGood() {
    String id = type + "-1";
    var agent = spawn(id, deps(agent(AgentLimits.DEFAULT)));
    StepOutcome.Failed chatty = assertInstanceOf(StepOutcome.Failed.class,
        run(agent, "task-1.c", 1, "chatty").outcome());
    assertEquals("RUNAWAY: the step made more than 50 model calls", chatty.reason());
    assertEquals(false, chatty.retryable());

    AgentEntity.StepReport looping = run(agent, "task-1.d", 1, "echo-loop");
    StepOutcome.Failed loop = assertInstanceOf(StepOutcome.Failed.class, looping.outcome());
    assertEquals("RUNAWAY: tool test.echo was called 4 times with the same input in one step (the limit is 3)",
        loop.reason());
    assertEquals(3, activity(id, looping).stream().filter(e -> e instanceof AgentEvent.ToolCalled t
        && t.outcome().equals("ok")).count(), "the fourth identical call was refused, not made");
  }

  @Test
  void aCrashInAgentCodeFailsOnlyThatStep() {
    var agent = spawn(type + "-1", deps(agent(AgentLimits.DEFAULT)));
    assertEquals(StepOutcome.retryable("agent code failed: IllegalStateException: boom"),
        run(agent, "s1", 1, "throw").outcome());
    assertInstanceOf(StepOutcome.Completed.class, run(agent, "s2", 1, "ok").outcome());
  }

  @Test
  void aStepThatRunsTooLongFailsAsRetryable() {
    var agent = spawn(type + "-1", deps(agent(AgentLimits.DEFAULT), 1, 5, Duration.ofSeconds(30), Duration.ofMillis(200)));
    assertEquals(StepOutcome.retryable("agent " + type + "-1 did not finish the step within PT0.2S"),
        run(agent, "s1", 1, "hang").outcome());
  }

  @Test
  void aRedeliveredAttemptIsAnsweredFromTheJournalEvenAfterTheActorRestarts() {
    String id = type + "-1";
    AgentDependencies deps = deps(agent(AgentLimits.DEFAULT));
    var agent = spawn(id, deps);
    AgentEntity.StepReport first = run(agent, "s1", 1, "model");
    assertEquals(first.outcome(), run(agent, "s1", 1, "model").outcome());
    assertEquals(1, runs.get(), "the redelivery did not run the agent again");

    // A failed journal write crashes the actor; it restarts with backoff and recovers. A step
    // that needs no write before it goes on is journaled once, with its outcome: that write fails.
    PersistenceTestKit.create(kit.system()).failNextPersisted();
    TestProbe<AgentEntity.StepReport> lost = kit.createTestProbe();
    agent.tell(new AgentEntity.RunStep("task-1", "s2", 1, "test.work", JsonNodeFactory.instance.objectNode(), "",
        List.of(), Map.of(), "default", "t", lost.ref()));
    // After the restart in place the outcome is written again, and reported.
    assertInstanceOf(StepOutcome.Completed.class,
        lost.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5)).outcome());
    assertEquals(2, runs.get(), "s2 ran once");
    AgentEntity.StepReport again = run(agent, "s1", 1, "model");
    assertEquals(first.outcome(), again.outcome());
    assertEquals(first.record(), again.record(), "the redelivery points at the same record in the journal");
    assertEquals(2, runs.get(), "s1 was answered from the journal, not run again");

    // A new incarnation on the same journal (as after a node restart) knows it too.
    kit.stop(agent);
    var reborn = spawn(id, deps);
    assertEquals(first.outcome(), run(reborn, "s1", 1, "model").outcome());
    assertEquals(2, runs.get());
    TestProbe<AgentEntity.AgentView> view = kit.createTestProbe();
    reborn.tell(new AgentEntity.GetStatus(view.ref()));
    AgentEntity.AgentView status = view.expectMessageClass(AgentEntity.AgentView.class);
    assertEquals(2, status.completed(), "s1, and s2 whose outcome was written again after the failed write");
    assertEquals(1, status.notes());
    // A new attempt of the same step is new work.
    assertInstanceOf(StepOutcome.Completed.class, run(reborn, "s1", 2, "ok").outcome());
    assertEquals(3, runs.get());
    assertTrue(verify(id).ok(), verify(id).toString());
  }

  @Test
  void aStepBeyondTheConcurrencyLimitWaitsForASlotInsteadOfBeingRefused() {
    String id = type + "-1";
    var agent = spawn(id, deps(agent(new AgentLimits(1, 600, new BigDecimal("10")))));
    TestProbe<AgentEntity.StepReport> first = kit.createTestProbe();
    agent.tell(new AgentEntity.RunStep("task-1", "s1", 1, "test.work",
        JsonNodeFactory.instance.objectNode().put("mode", "gate"), "", List.of(), Map.of(), "default", "t",
        first.ref()));
    awaitAdvertisement(ad -> ad.advertisement().inFlight() == 1
        && ad.advertisement().status() == AgentStatus.BUSY);
    TestProbe<AgentEntity.StepReport> second = kit.createTestProbe();
    agent.tell(new AgentEntity.RunStep("task-2", "s2", 1, "test.work",
        JsonNodeFactory.instance.objectNode().put("mode", "ok"), "", List.of(), Map.of(), "default", "t",
        second.ref()));
    second.expectNoMessage(Duration.ofMillis(300));
    assertFalse(journalTypes(id).contains("StepRefused"), journalTypes(id).toString());

    gate.complete(StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("done", true), 1.0));
    assertInstanceOf(StepOutcome.Completed.class,
        first.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5)).outcome());
    assertInstanceOf(StepOutcome.Completed.class,
        second.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5)).outcome());
    // Each step is one write, with its outcome; the held one ran after the first had finished.
    // (The first step of a new instance is journaled before it runs, after the configuration.)
    List<String> steps = journal(id).stream()
        .filter(e -> e.event() instanceof AgentEvent.StepRan || e.event() instanceof AgentEvent.StepFinished)
        .map(e -> e.event() instanceof AgentEvent.StepRan ran ? ran.stepId()
            : ((AgentEvent.StepFinished) e.event()).stepId())
        .toList();
    assertEquals(List.of("s1", "s2"), steps);
    assertFalse(journalTypes(id).contains("StepRefused"), journalTypes(id).toString());
  }

  private static TestProbe<AgentEntity.StepReport> send(ActorRef<AgentEntity.Command> agent, String stepId,
      String mode) {
    TestProbe<AgentEntity.StepReport> probe = kit.createTestProbe();
    agent.tell(new AgentEntity.RunStep("task-1", stepId, 1, "test.work",
        JsonNodeFactory.instance.objectNode().put("mode", mode), "", List.of(), Map.of(), "default", "t",
        probe.ref()));
    return probe;
  }

  @Test
  void aHeldStepThatDoesNotStartDoesNotStallTheStepsBehindIt() {
    var agent = spawn(type + "-1", deps(agent(new AgentLimits(1, 600, new BigDecimal("10")))));
    TestProbe<AgentEntity.StepReport> first = send(agent, "s1", "gate");
    awaitAdvertisement(ad -> ad.advertisement().status() == AgentStatus.BUSY);
    // s2 twice (a redelivery), then s3: all held. The second s2 is answered from the journal
    // once the first has run, and must not leave s3 waiting for a slot that is free.
    TestProbe<AgentEntity.StepReport> second = send(agent, "s2", "ok");
    TestProbe<AgentEntity.StepReport> again = send(agent, "s2", "ok");
    TestProbe<AgentEntity.StepReport> third = send(agent, "s3", "ok");
    gate.complete(StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("done", true), 1.0));
    for (TestProbe<AgentEntity.StepReport> probe : List.of(first, second, again, third)) {
      assertInstanceOf(StepOutcome.Completed.class,
          probe.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5)).outcome());
    }
    assertEquals(3, runs.get(), "s2 ran once");
  }

  @Test
  void aStepHeldLongerThanTheStepTimeoutIsNotRunLate() {
    String id = type + "-1";
    var agent = spawn(id, deps(agent(new AgentLimits(1, 600, new BigDecimal("10")))));
    TestProbe<AgentEntity.StepReport> first = send(agent, "s1", "gate");
    awaitAdvertisement(ad -> ad.advertisement().status() == AgentStatus.BUSY);
    now.set(java.time.Instant.now());
    TestProbe<AgentEntity.StepReport> held = send(agent, "s2", "ok");
    held.expectNoMessage(Duration.ofMillis(100));
    // By the agent's clock, s2 has waited longer than the step timeout (2 s) when its slot frees up.
    now.set(now.get().plusSeconds(3));
    gate.complete(StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("done", true), 1.0));
    first.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5));
    StepOutcome late = held.expectMessageClass(AgentEntity.StepReport.class, Duration.ofSeconds(5)).outcome();
    assertEquals(StepOutcome.retryable("agent " + id + " held the step for longer than the step timeout (PT2S)"
        + " waiting for a slot"), late);
    assertEquals(1, runs.get(), "its task has moved on: the step held too long never ran");
  }

  @Test
  void aStepThatNeedsNoWriteBeforeItGoesOnIsJournaledAsOneEventWithItsModelCalls() {
    String id = type + "-1";
    AgentDependencies deps = deps(agent(AgentLimits.DEFAULT));
    var agent = spawn(id, deps);
    run(agent, "s0", 1, "ok"); // the instance's first step follows its configuration
    int before = journal(id).size();
    AgentEntity.StepReport report = run(agent, "s1", 1, "think");
    List<JournalEntry> written = journal(id).subList(before, journal(id).size());
    assertEquals(List.of("StepRan"), written.stream().map(JournalEntry::eventType).toList());
    AgentEvent.StepRan ran = (AgentEvent.StepRan) written.get(0).event();
    assertEquals(List.of("ModelCalled"), ran.activity().stream().map(a -> a.getClass().getSimpleName()).toList());
    assertEquals(report.outcome(), ran.outcome());
    long seq = written.get(0).stamp().seq();
    assertEquals(new StepRecord(seq, seq), report.record(), "the report points at the step's one event");
    assertEquals(ran.activity(), activity(id, report), "where readers of the task find its model call");
    assertEquals("trace-1", written.get(0).stamp().traceId());
    assertEquals("task-1", written.get(0).stamp().taskId());

    // Recovery folds it like the events it stands for: the redelivery is answered, not run again.
    kit.stop(agent);
    var reborn = spawn(id, deps);
    int runsBefore = runs.get();
    AgentEntity.StepReport again = run(reborn, "s1", 1, "think");
    assertEquals(report.outcome(), again.outcome());
    assertEquals(report.record(), again.record());
    assertEquals(runsBefore, runs.get());
    assertTrue(verify(id).ok(), verify(id).toString());
  }

  @Test
  void aRateLimitRefusesWithTheReasonAndTheRefusalIsJournaled() {
    String id = type + "-1";
    var agent = spawn(id, deps(agent(new AgentLimits(4, 1, new BigDecimal("10")))));
    assertInstanceOf(StepOutcome.Completed.class, run(agent, "s1", 1, "ok").outcome());
    assertEquals(StepOutcome.retryable("agent " + id + " accepted 1 steps in the last minute, its limit is 1"),
        run(agent, "s2", 1, "ok").outcome());
    assertTrue(journalTypes(id).contains("StepRefused"), journalTypes(id).toString());
  }

  @Test
  void repeatedFailuresWithdrawTheAgentUntilTheCoolDownIsOver() {
    String id = type + "-1";
    var agent = spawn(id, deps(agent(AgentLimits.DEFAULT), 1, 2, Duration.ofMillis(400), Duration.ofSeconds(2)));
    awaitAdvertisement(ad -> ad.advertisement().status() == AgentStatus.AVAILABLE);
    run(agent, "s1", 1, "fail");
    run(agent, "s2", 1, "fail");
    awaitAdvertisement(ad -> ad.advertisement().status() == AgentStatus.DEGRADED);
    awaitAdvertisement(ad -> ad.advertisement().status() == AgentStatus.AVAILABLE);
    List<String> types = journalTypes(id);
    assertTrue(types.indexOf("AgentDegraded") < types.indexOf("AgentRestored"), types.toString());
  }

  @Test
  void theMarketplaceRanksAnAgentLowerAfterItsRecordedFailures() {
    AgentDependencies deps = deps(agent(AgentLimits.DEFAULT), 2, 100, Duration.ofSeconds(30), Duration.ofSeconds(2));
    var first = spawn(type + "-1", deps);
    var second = spawn(type + "-2", deps);
    var registry = kit.spawn(MarketplaceRegistry.create(topic, Duration.ofMinutes(1), Clock.systemUTC()));

    for (int i = 0; i < 6; i++) {
      run(first, "f" + i, 1, "fail");
      run(second, "g" + i, 1, "ok");
    }
    // The registry learns through the agents' advertisements, with reputation from their journals.
    TestProbe<MatchReply> matches = kit.createTestProbe();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    List<String> ranked = List.of();
    while (System.nanoTime() < deadline) {
      registry.tell(new MarketplaceRegistry.Match("test.work", MatchConstraints.NONE, Set.of(), matches.ref()));
      MatchReply reply = matches.expectMessageClass(MatchReply.class);
      if (reply instanceof MatchReply.CapabilityMatch match && match.ranked().size() == 2
          && match.ranked().get(0).reputation() - match.ranked().get(1).reputation() > 0.3) {
        ranked = match.ranked().stream().map(Candidate::agentId).toList();
        break;
      }
      matches.expectNoMessage(Duration.ofMillis(100));
    }
    assertEquals(List.of(type + "-2", type + "-1"), ranked, "the failing agent ranks last");
  }

  @Test
  void stateIsSnapshottedAndReputationSurvivesARestart() {
    String id = type + "-1";
    AgentDependencies deps = deps(agent(AgentLimits.DEFAULT), 1, 100, Duration.ofSeconds(30), Duration.ofSeconds(2), 10);
    var agent = spawn(id, deps);
    // One event per step: 12 steps pass the snapshot interval of 10 events.
    for (int i = 0; i < 12; i++) {
      run(agent, "s" + i, 1, i % 2 == 0 ? "ok" : "fail");
    }
    assertTrue(!org.apache.pekko.persistence.testkit.javadsl.SnapshotTestKit.create(kit.system())
        .persistedInStorage("Agent|" + id).isEmpty(), "snapshots keep recovery short");
    TestProbe<AgentEntity.AgentView> view = kit.createTestProbe();
    agent.tell(new AgentEntity.GetStatus(view.ref()));
    AgentEntity.AgentView before = view.expectMessageClass(AgentEntity.AgentView.class);
    assertTrue(before.reputation() < 0.7, "half the steps failed: " + before.reputation());

    kit.stop(agent);
    var reborn = spawn(id, deps);
    reborn.tell(new AgentEntity.GetStatus(view.ref()));
    AgentEntity.AgentView after = view.expectMessageClass(AgentEntity.AgentView.class);
    assertEquals(before.completed(), after.completed());
    assertEquals(before.failed(), after.failed());
    assertEquals(before.reputation(), after.reputation(), 0.01, "rebuilt from the journal, not reset");
  }

  @Test
  void aStoppedAgentWithdrawsFromTheMarketplace() {
    var agent = spawn(type + "-1", deps(agent(AgentLimits.DEFAULT)));
    awaitAdvertisement(ad -> ad.advertisement().agentId().equals(type + "-1"));
    kit.stop(agent);
    market.fishForMessage(Duration.ofSeconds(5), message -> message instanceof MarketplaceRegistry.Withdraw w
        && w.agentId().equals(type + "-1")
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
  }

  /** Starts a step whose tool does its effect and never answers, then "crashes" the agent. */
  private AgentDependencies interruptedMidCall(String id, String mode) {
    AgentDependencies deps = deps(agent(AgentLimits.DEFAULT));
    var agent = spawn(id, deps);
    hangAfterEffect.set(true);
    TestProbe<AgentEntity.StepReport> lost = kit.createTestProbe();
    agent.tell(new AgentEntity.RunStep("task-1", "s1", 1, "test.work",
        JsonNodeFactory.instance.objectNode().put("mode", mode), "", List.of(), Map.of(), "default", "t", lost.ref()));
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (effects.isEmpty() && System.nanoTime() < deadline) {
      lost.expectNoMessage(Duration.ofMillis(20));
    }
    assertEquals(1, effects.size(), "the effect happened, its outcome was never recorded");
    assertTrue(journalTypes(id).contains("ToolCallIntended"), "the intent was journaled before the call");
    kit.stop(agent);
    hangAfterEffect.set(false);
    return deps;
  }

  @Test
  void anInterruptedCallOfAnIdempotentToolIsReconciledWithTheSameKeyNotRepeated() {
    String id = type + "-1";
    AgentDependencies deps = interruptedMidCall(id, "post");
    var reborn = spawn(id, deps);
    AgentEntity.StepReport report = run(reborn, "s1", 1, "post");
    assertInstanceOf(StepOutcome.Completed.class, report.outcome());
    assertEquals(Map.of("s1/tool-1", 1), effects, "posted once");
    List<AgentEvent.ToolCalled> calls = activity(id).stream()
        .filter(AgentEvent.ToolCalled.class::isInstance).map(AgentEvent.ToolCalled.class::cast).toList();
    assertEquals(List.of("reconciled"), calls.stream().map(AgentEvent.ToolCalled::outcome).toList());
    assertEquals(1, journalTypes(id).stream().filter("ToolCallIntended"::equals).count());
  }

  @Test
  void anInterruptedCallOfAToolThatIsNotIdempotentIsInDoubtAndEscalatedNotRepeated() {
    String id = type + "-1";
    AgentDependencies deps = interruptedMidCall(id, "send");
    var reborn = spawn(id, deps);
    StepOutcome.Escalate escalated = assertInstanceOf(StepOutcome.Escalate.class, run(reborn, "s1", 1, "send").outcome());
    assertEquals("tool test.send call s1/tool-1 was interrupted and test.send is not idempotent: it may or may not"
        + " have happened, so it is not run again", escalated.reason());
    assertEquals(Map.of("s1/tool-1", 1), effects, "sent once, not twice");
  }

  @Test
  void aCallThatCompletedInAFailedAttemptIsNotRepeatedByTheRetry() {
    var agent = spawn(type + "-1", deps(agent(AgentLimits.DEFAULT)));
    assertEquals(StepOutcome.retryable("lost the answer"), run(agent, "s1", 1, "post-then-fail-once").outcome());
    StepOutcome.Completed done = assertInstanceOf(StepOutcome.Completed.class,
        run(agent, "s1", 2, "post-then-fail-once").outcome());
    assertEquals("s1/tool-1", done.output().get("receipt").get("receipt").asText());
    assertEquals(Map.of("s1/tool-1", 1), effects);
    assertEquals(2, runs.get(), "the agent ran twice; the tool only once");
  }
}
