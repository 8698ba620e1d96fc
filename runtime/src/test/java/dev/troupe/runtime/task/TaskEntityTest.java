package dev.troupe.runtime.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.SupervisionSettings;
import dev.troupe.config.TaskSettings;
import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditHasher;
import dev.troupe.persistence.ChainCheck;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.persistence.VerifyReport;
import dev.troupe.runtime.agent.AgentEntity;
import dev.troupe.runtime.agent.StepRecord;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.runtime.agent.AgentStatus;
import dev.troupe.runtime.approval.Approval;
import dev.troupe.runtime.approval.ApprovalIds;
import dev.troupe.runtime.approval.ApprovalStatus;
import dev.troupe.runtime.budget.Budget;
import dev.troupe.runtime.market.Advertisement;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.CapabilityOffer;
import dev.troupe.sdk.Sla;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The task orchestrator against a real marketplace registry and probe agents. */
class TaskEntityTest {
  private static final ActorTestKit kit = ActorTestKit.create("TaskEntityTest",
      EventSourcedBehaviorTestKit.config()
          .withFallback(PersistenceTestKitSnapshotPlugin.config())
          .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
          .withFallback(TroupeSettings.load()));
  private static final AuditHasher HASHER = new AuditHasher(JournalAudit.journalMapper(kit.system()));
  private static final AuditActor ALICE = AuditActor.human("alice");
  private static final SupervisionSettings SUPERVISION =
      new SupervisionSettings(Duration.ofMillis(50), Duration.ofMillis(200), 0.0);

  private static final AuditActor BOB = AuditActor.human("bob");

  /** What the approved actions did, by idempotency key: a real effect to count. */
  private final java.util.concurrent.ConcurrentHashMap<String, Integer> billed =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean billingFails;
  /** Holds slow.post's call until a test completes it. */
  private final java.util.concurrent.CompletableFuture<Void> slowGate = new java.util.concurrent.CompletableFuture<>();
  private final ToolRegistry tools = new ToolRegistry(List.of(
      tool("billing.trigger", false, call -> {
        if (billingFails) {
          throw new IllegalStateException("billing system down");
        }
        billed.merge(call.idempotencyKey(), 1, Integer::sum);
        return JsonNodeFactory.instance.objectNode().put("invoice", "inv-" + billed.size());
      }),
      tool("slow.post", true, call -> {
        slowGate.join();
        billed.merge(call.idempotencyKey(), 1, Integer::sum);
        return JsonNodeFactory.instance.objectNode().put("posted", true);
      }),
      tool("ledger.post", true, call -> {
        billed.merge(call.idempotencyKey(), 1, Integer::sum);
        return JsonNodeFactory.instance.objectNode().put("posted", true);
      })));

  private static dev.troupe.sdk.Tool tool(String name, boolean idempotent,
      java.util.function.Function<dev.troupe.sdk.ToolCall, JsonNode> effect) {
    JsonNode schema = JsonNodeFactory.instance.objectNode().put("type", "object");
    var spec = new dev.troupe.sdk.ToolSpec(name, name, schema, false, idempotent, Duration.ofSeconds(2));
    return new dev.troupe.sdk.Tool() {
      @Override
      public dev.troupe.sdk.ToolSpec spec() {
        return spec;
      }

      @Override
      public java.util.concurrent.CompletionStage<JsonNode> call(dev.troupe.sdk.ToolCall call) {
        return java.util.concurrent.CompletableFuture.completedFuture(effect.apply(call));
      }
    };
  }

  /** The parent task's budget, for tasks submitted with a parent. */
  private dev.troupe.runtime.budget.Budgets parent = dev.troupe.runtime.budget.Budgets.UNLIMITED;

  private TestProbe<AgentEntity.RunStep> agentA;
  private TestProbe<AgentEntity.RunStep> agentB;
  private TestProbe<ClusterSharding.ShardCommand> shard;
  private ActorRef<MarketplaceRegistry.Command> registry;
  private String taskId;
  /** What the task asked of its child tasks and its parent. */
  private final List<String> childCalls = new java.util.concurrent.CopyOnWriteArrayList<>();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void freshTaskAndMarketplace() {
    agentA = kit.createTestProbe();
    agentB = kit.createTestProbe();
    shard = kit.createTestProbe();
    TestProbe<Topic.Command<MarketplaceRegistry.Command>> topic = kit.createTestProbe();
    registry = kit.spawn(MarketplaceRegistry.create(topic.ref(), Duration.ofMinutes(5), Clock.systemUTC()));
    advertise("summarizer-1");
    advertise("summarizer-2");
    taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
  }

  private void advertise(String agentId) {
    registry.tell(new MarketplaceRegistry.Advertise(new Advertisement(agentId, "summarizer", "sums",
        List.of(new CapabilityOffer("text.summarize", Sla.of(Duration.ofSeconds(2), "0.001"))), AgentStatus.AVAILABLE,
        0, 4, 0, 0, 0.8, Instant.now())));
  }

  private static TaskSettings settings(Duration stepTimeout, int maxAttempts, Duration backoff) {
    return new TaskSettings(stepTimeout, maxAttempts, backoff, Duration.ofMinutes(5), 100, Duration.ofSeconds(3),
        Duration.ofHours(24));
  }

  private EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity(TaskSettings settings) {
    return EventSourcedBehaviorTestKit.create(kit.system(), behavior(settings));
  }

  private org.apache.pekko.actor.typed.Behavior<TaskEntity.Command> behavior(TaskSettings settings) {
    AgentGateway agents = (agentId, step) -> (agentId.equals("summarizer-1") ? agentA : agentB).ref().tell(step);
    ChildTasks noChildren = new ChildTasks() {
      @Override
      public java.util.concurrent.CompletionStage<TaskEntity.Result> run(String id, String workflow, JsonNode input,
          String tenant, String parentTaskId, String trace) {
        return java.util.concurrent.CompletableFuture.failedFuture(
            new UnsupportedOperationException("no child tasks here"));
      }

      @Override
      public void started(String parentTaskId, String childTaskId) {
        childCalls.add("started " + childTaskId + " of " + parentTaskId);
      }

      @Override
      public void cancel(String childTaskId, String reason, AuditActor by) {
        childCalls.add("cancel " + childTaskId + ": " + reason);
      }
    };
    TaskDependencies deps = new TaskDependencies(settings, SUPERVISION, registry, agents, noChildren,
        tools, new AuditChain(HASHER), Clock.systemUTC(), java.util.concurrent.ForkJoinPool.commonPool(), parent,
        dev.troupe.runtime.guard.Redactor.NONE);
    return TaskEntity.create(new EntityContext<>(TaskEntity.ENTITY_TYPE_KEY, taskId, shard.ref()), deps);
  }

  private static TaskRequest request(String capability, String hash) {
    JsonNode input = JsonNodeFactory.instance.objectNode().put("text", "Hello there. General Kenobi.");
    return TaskRequest.forCapability("default", capability, "greet", null, input, null, null, null, Map.of("customer", "acme"),
        hash);
  }

  private TaskEntity.SubmitReply submit(
      EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity, TaskRequest request) {
    return entity.<TaskEntity.SubmitReply>runCommand(r -> new TaskEntity.Submit(request, ALICE, "trace-1", r)).reply();
  }

  private static StepOutcome summary(String text, double confidence) {
    return StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("summary", text), confidence);
  }

  private static void report(AgentEntity.RunStep run, String agentId, StepOutcome outcome, Usage usage,
      StepRecord record) {
    run.replyTo().tell(new AgentEntity.StepReport(run.taskId(), run.stepId(), run.attempt(), agentId, outcome, usage,
        7, record));
  }

  private static void report(AgentEntity.RunStep run, String agentId, StepOutcome outcome) {
    report(run, agentId, outcome, Usage.NONE, null);
  }

  private static TaskState awaitState(
      EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity, Predicate<TaskState> done) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    TaskState state = entity.getState();
    while (!done.test(state) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      state = entity.getState();
    }
    assertTrue(done.test(state), "state never matched: " + state);
    return state;
  }

  private List<JournalEntry> journal() {
    return PersistenceTestKit.create(kit.system()).persistedInStorage(TaskClient.persistenceId(taskId)).stream()
        .map(JournalEntry.class::cast).toList();
  }

  private List<String> journalTypes() {
    return journal().stream().map(JournalEntry::eventType).toList();
  }

  private VerifyReport verifyJournal() {
    ChainCheck check = ChainCheck.start();
    for (JournalEntry entry : journal()) {
      check = check.next(new StoredEntry(entry.stamp().seq(), entry), HASHER);
    }
    return check.report();
  }

  @Test
  void submitJournalsTheTaskThenTheMarketplacesAgentRunsItToCompletion() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    var result = entity.<TaskEntity.SubmitReply>runCommand(
        r -> new TaskEntity.Submit(request("text.summarize", "h1"), ALICE, "trace-1", r));
    assertEquals(new TaskEntity.Accepted(taskId, "trace-1", TaskStatus.ACCEPTED, true), result.reply());
    // The command wrote these two before replying; the match that follows may already have added more.
    assertEquals(List.of("TaskSubmitted", "StepPlanned"),
        result.events().stream().map(JournalEntry::eventType).toList().subList(0, 2));
    assertEquals(ALICE, result.events().get(0).stamp().actor());

    AgentEntity.RunStep run = agentA.expectMessageClass(AgentEntity.RunStep.class);
    assertEquals(taskId + ".main", run.stepId());
    assertEquals(1, run.attempt());
    assertEquals("Hello there. General Kenobi.", run.input().get("text").asText());
    assertEquals("greet", run.goal());
    assertEquals("trace-1", run.traceId());

    // Where the agent journaled this attempt (its model call among it): the task points there.
    StepRecord record = new StepRecord(41, 41);
    report(run, "summarizer-1", summary("Hello there.", 0.9), new Usage(10, 5, new BigDecimal("0.002"), 1, 0),
        record);
    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);

    assertEquals("Hello there.", done.output().get("summary").asText());
    assertEquals(15, done.usage().tokens());
    StepState step = done.steps().get(0);
    assertEquals(StepStatus.COMPLETED, step.status());
    assertEquals("summarizer-1", step.agentId());
    assertEquals(0.9, step.confidence());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepCompleted", "TaskCompleted"),
        journalTypes(), "the agent's calls are in its own journal, not copied here");
    var completed = (TaskEvent.StepCompleted) journal().get(3).event();
    assertEquals(record, completed.agentRecord(), "the outcome points at the agent's record of the attempt");
    assertEquals(AuditActor.agent("summarizer-1"), journal().get(3).stamp().actor());
    assertEquals(AuditActor.system("orchestrator"), journal().get(4).stamp().actor());
    assertEquals(VerifyReport.ok(5), verifyJournal());
  }

  @Test
  void aRepeatedSubmitWithTheSameRequestReturnsTheSameTaskAndWritesNothing() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    agentA.expectMessageClass(AgentEntity.RunStep.class);
    var again = entity.<TaskEntity.SubmitReply>runCommand(
        r -> new TaskEntity.Submit(request("text.summarize", "h1"), ALICE, "other-trace", r));
    assertEquals(new TaskEntity.Accepted(taskId, "trace-1", TaskStatus.RUNNING, false), again.reply());
    assertTrue(again.events().isEmpty());
    var different = entity.<TaskEntity.SubmitReply>runCommand(
        r -> new TaskEntity.Submit(request("text.summarize", "h2"), ALICE, "trace-1", r));
    assertEquals(new TaskEntity.IdempotencyConflict(taskId), different.reply());
    assertTrue(different.events().isEmpty());
  }

  @Test
  void anUnknownTaskIsNotFoundAndLeavesMemory() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    var result = entity.<TaskEntity.GetReply>runCommand(TaskEntity.Get::new);
    assertEquals(new TaskEntity.NotFound(taskId), result.reply());
    assertTrue(result.events().isEmpty());
    shard.expectMessageClass(ClusterSharding.Passivate.class);
  }

  @Test
  void whenNoAgentCanBeMatchedEachAttemptFailsWithTheMarketplacesReason() {
    var entity = entity(settings(Duration.ofSeconds(5), 2, Duration.ofMillis(20)));
    submit(entity, request("image.paint", "h1"));
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertEquals("step main failed after 2 attempts: no agent offers 'image.paint' (known: text.summarize)",
        failed.error());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepFailed", "StepFailed", "TaskFailed"), journalTypes());
    agentA.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aRetryableFailureIsRetriedOnAnotherAgent() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep first = agentA.expectMessageClass(AgentEntity.RunStep.class);
    report(first, "summarizer-1", StepOutcome.retryable("model overloaded"));

    AgentEntity.RunStep second = agentB.expectMessageClass(AgentEntity.RunStep.class);
    assertEquals(first.stepId(), second.stepId());
    assertEquals(2, second.attempt());
    report(second, "summarizer-2", summary("ok", 1.0));

    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals("summarizer-2", done.steps().get(0).agentId());
    assertEquals(2, done.steps().get(0).attempts());
    assertEquals(List.of("summarizer-1"), done.steps().get(0).failedAgents());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepFailed", "StepStarted", "StepCompleted",
        "TaskCompleted"), journalTypes());
    TaskEvent.StepFailed failed = (TaskEvent.StepFailed) journal().get(3).event();
    assertEquals("model overloaded", failed.reason());
    assertTrue(failed.willRetry());
    assertEquals(VerifyReport.ok(7), verifyJournal());
  }

  @Test
  void aPermanentFailureFailsTheTaskWithoutRetry() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1",
        StepOutcome.permanent("input.text must be a non-empty string"));
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertEquals("step main failed: input.text must be a non-empty string", failed.error());
    assertEquals(StepStatus.FAILED, failed.steps().get(0).status());
    agentB.expectNoMessage(Duration.ofMillis(200));
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepFailed", "TaskFailed"), journalTypes());
  }

  @Test
  void stepTimeoutsAreRetriedUntilTheAttemptsRunOut() {
    var entity = entity(settings(Duration.ofMillis(150), 2, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep first = agentA.expectMessageClass(AgentEntity.RunStep.class);
    agentB.expectMessageClass(AgentEntity.RunStep.class);
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertEquals("step main failed after 2 attempts: step timed out after PT0.15S", failed.error());

    // A report of an attempt the task gave up on changes nothing.
    report(first, "summarizer-1", summary("too late", 1.0));
    agentA.expectNoMessage(Duration.ofMillis(100));
    assertEquals(TaskStatus.FAILED, entity.getState().status());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepFailed", "StepStarted", "StepFailed",
        "TaskFailed"), journalTypes());
  }

  @Test
  void aLateSuccessOfAnEarlierAttemptIsAccepted() {
    var entity = entity(settings(Duration.ofMillis(150), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep first = agentA.expectMessageClass(AgentEntity.RunStep.class);
    agentB.expectMessageClass(AgentEntity.RunStep.class);
    report(first, "summarizer-1", summary("slow but right", 1.0));
    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals("slow but right", done.output().get("summary").asText());
  }

  @Test
  void afterARestartAStepInFlightIsRedeliveredWithTheSameStepId() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep before = agentA.expectMessageClass(AgentEntity.RunStep.class);

    entity.restart();

    AgentEntity.RunStep after = agentA.expectMessageClass(AgentEntity.RunStep.class);
    assertEquals(before.stepId(), after.stepId());
    assertEquals(before.attempt(), after.attempt());
    report(after, "summarizer-1", summary("done", 1.0));
    awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepCompleted", "TaskCompleted"),
        journalTypes());
  }

  @Test
  void afterARestartAPendingRetryIsScheduledAgain() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(300)));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1", StepOutcome.retryable("flaky"));
    awaitState(entity, s -> s.steps().get(0).status() == StepStatus.PENDING && s.steps().get(0).attempts() == 1);

    entity.restart();

    AgentEntity.RunStep retry = agentB.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals(2, retry.attempt());
  }

  @Test
  void aFinishedTaskLeavesMemoryWhenIdleAndAnswersThoseWaitingForIt() {
    var entity = entity(new TaskSettings(Duration.ofSeconds(5), 3, Duration.ofMillis(20), Duration.ofMillis(100), 100,
        Duration.ofSeconds(3), Duration.ofHours(1)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep run = agentA.expectMessageClass(AgentEntity.RunStep.class);
    TestProbe<TaskEntity.Result> waiter = kit.createTestProbe();
    entity.runCommand(new TaskEntity.AwaitResult(waiter.ref()));
    waiter.expectNoMessage(Duration.ofMillis(50));
    report(run, "summarizer-1", summary("x", 1.0));
    TaskEntity.Result result = waiter.expectMessageClass(TaskEntity.Result.class);
    assertEquals(TaskStatus.COMPLETED, result.status());
    assertEquals("x", result.output().get("summary").asText());
    shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(3));
  }

  @Test
  void anAgentThatAsksForAHumanEscalatesTheTask() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1",
        StepOutcome.escalate("the text is in a language I cannot read"));
    TaskState escalated = awaitState(entity, s -> s.status() == TaskStatus.ESCALATED);
    assertEquals("agent summarizer-1 asks for a human: the text is in a language I cannot read", escalated.error());
    assertEquals(StepStatus.ESCALATED, escalated.steps().get(0).status());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepEscalated", "TaskEscalated"),
        journalTypes());
    agentB.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void guidanceResumesAnEscalatedTaskAsTheStepsNextAttemptWithTheGuidance() {
    registry.tell(new MarketplaceRegistry.Withdraw("summarizer-2", "only one agent offers it in this test"));
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep first = agentA.expectMessageClass(AgentEntity.RunStep.class);
    assertEquals(List.of(), first.guidance());
    report(first, "summarizer-1", StepOutcome.escalate("the text is in Finnish"));
    awaitState(entity, s -> s.status() == TaskStatus.ESCALATED);

    var reply = entity.<TaskEntity.GuidanceReply>runCommand(
        r -> new TaskEntity.GiveGuidance("summarize it in English", ALICE, r)).reply();
    TaskEntity.GuidanceAccepted accepted = assertInstanceOf(TaskEntity.GuidanceAccepted.class, reply);
    assertEquals(List.of(first.stepId()), accepted.resumedSteps());
    assertEquals(TaskStatus.RUNNING, accepted.task().status());

    // Escalating is not failing: the agent is not excluded and takes the step again, now with guidance.
    AgentEntity.RunStep second = agentA.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals(first.stepId(), second.stepId());
    assertEquals(2, second.attempt());
    assertEquals(List.of("summarize it in English"), second.guidance());
    // A restart replays the guidance: the redelivered attempt still carries it.
    entity.restart();
    AgentEntity.RunStep redelivered = agentA.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals(2, redelivered.attempt());
    assertEquals(List.of("summarize it in English"), redelivered.guidance());
    report(redelivered, "summarizer-1", summary("Hei means hello.", 0.9));
    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals("Hei means hello.", done.output().get("summary").asText());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepEscalated", "TaskEscalated",
        "GuidanceGiven", "StepStarted", "StepCompleted", "TaskCompleted"), journalTypes());
    JournalEntry guidance = journal().get(5);
    assertEquals(ALICE, guidance.stamp().actor());
    assertEquals(VerifyReport.ok(9), verifyJournal());
  }

  @Test
  void withTheEscalatePolicyAStepThatUsesUpItsRetriesStopsTheTaskForAHumanNotFailsIt() {
    var entity = entity(new TaskSettings(Duration.ofSeconds(5), 2, Duration.ofMillis(20), Duration.ofMinutes(5), 100,
        Duration.ofSeconds(3), Duration.ofHours(24), TaskSettings.RetriesExhausted.ESCALATE));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1", StepOutcome.retryable("upstream 503"));
    report(agentB.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3)), "summarizer-2",
        StepOutcome.retryable("upstream 503"));
    TaskState escalated = awaitState(entity, s -> s.status() == TaskStatus.ESCALATED);
    assertEquals("step main used up its 2 attempts: upstream 503", escalated.error());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "StepFailed", "StepStarted", "StepEscalated",
        "TaskEscalated"), journalTypes());

    entity.<TaskEntity.GuidanceReply>runCommand(r -> new TaskEntity.GiveGuidance("upstream is back", ALICE, r));
    AgentEntity.RunStep third = agentB.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals(3, third.attempt());
    report(third, "summarizer-2", summary("fine now", 1.0));
    assertEquals("fine now", awaitState(entity, s -> s.status() == TaskStatus.COMPLETED).output().get("summary")
        .asText());
  }

  @Test
  void aResumedStepGetsAFreshRetryBudget() {
    registry.tell(new MarketplaceRegistry.Withdraw("summarizer-2", "only one agent offers it in this test"));
    var entity = entity(settings(Duration.ofSeconds(5), 2, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1", StepOutcome.escalate("which year?"));
    awaitState(entity, s -> s.status() == TaskStatus.ESCALATED);
    entity.<TaskEntity.GuidanceReply>runCommand(r -> new TaskEntity.GiveGuidance("2025", ALICE, r));
    AgentEntity.RunStep second = agentA.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals(2, second.attempt());
    // With max-attempts 2, a transient failure right after resuming is still retried.
    report(second, "summarizer-1", StepOutcome.retryable("upstream 503"));
    AgentEntity.RunStep third = agentA.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals(3, third.attempt());
    report(third, "summarizer-1", summary("done", 1.0));
    awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
  }

  @Test
  void aTaskKeepsAtMostFiftyPiecesOfGuidance() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    agentA.expectMessageClass(AgentEntity.RunStep.class);
    for (int i = 0; i < TaskEntity.MAX_GUIDANCE; i++) {
      String text = "hint " + i;
      assertInstanceOf(TaskEntity.GuidanceAccepted.class,
          entity.<TaskEntity.GuidanceReply>runCommand(r -> new TaskEntity.GiveGuidance(text, ALICE, r)).reply());
    }
    var refused = entity.<TaskEntity.GuidanceReply>runCommand(r -> new TaskEntity.GiveGuidance("one more", ALICE, r));
    assertEquals(new TaskEntity.TooMuchGuidance(TaskEntity.MAX_GUIDANCE), refused.reply());
    assertTrue(refused.events().isEmpty());
    assertEquals(TaskEntity.MAX_GUIDANCE, entity.getState().guidance().size());
  }

  @Test
  void guidanceForARunningTaskReachesTheNextStepAndAFinishedTaskRefusesIt() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep run = agentA.expectMessageClass(AgentEntity.RunStep.class);
    var reply = entity.<TaskEntity.GuidanceReply>runCommand(r -> new TaskEntity.GiveGuidance("be brief", ALICE, r))
        .reply();
    assertEquals(List.of(), assertInstanceOf(TaskEntity.GuidanceAccepted.class, reply).resumedSteps());
    // The step in flight keeps running; nothing is re-dispatched.
    agentA.expectNoMessage(Duration.ofMillis(100));
    report(run, "summarizer-1", summary("x", 1.0));
    awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);

    var late = entity.<TaskEntity.GuidanceReply>runCommand(r -> new TaskEntity.GiveGuidance("too late", ALICE, r))
        .reply();
    assertInstanceOf(TaskEntity.AlreadyFinished.class, late);
    assertEquals(List.of("be brief"), entity.getState().guidance());
  }

  @Test
  void aProposedActionWaitsForApproval() {
    var entity = entity(settings(Duration.ofMillis(300), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentEntity.RunStep run = agentA.expectMessageClass(AgentEntity.RunStep.class);
    JsonNode call = JsonNodeFactory.instance.objectNode().put("client", "Acme").put("amountEur", 4000);
    report(run, "summarizer-1", StepOutcome.propose("billing.trigger", call, "onboarding is complete"));
    TaskState waiting = awaitState(entity, s -> s.status() == TaskStatus.WAITING_APPROVAL);
    assertEquals(1, waiting.approvals().size());
    var approval = waiting.approvals().get(0);
    assertEquals(ApprovalIds.of(taskId, run.stepId(), 1), approval.approvalId());
    assertEquals(java.util.Optional.of(taskId), ApprovalIds.taskOf(approval.approvalId()));
    assertEquals(ApprovalStatus.PENDING, approval.status());
    assertEquals("billing.trigger", approval.tool());
    assertEquals(call, approval.input());
    assertEquals("onboarding is complete", approval.reason());
    assertTrue(approval.expiresAt().isAfter(approval.requestedAt().plus(Duration.ofHours(23))));
    assertEquals(StepStatus.WAITING_APPROVAL, waiting.steps().get(0).status());
    // Waiting is not running: no step timeout fires, no retry starts.
    agentB.expectNoMessage(Duration.ofMillis(500));
    assertEquals(TaskStatus.WAITING_APPROVAL, entity.getState().status());
  }

  @Test
  void aFailedJournalWriteRestartsTheEntityWhichThenAcceptsTheRetriedSubmit() {
    PersistenceTestKit journal = PersistenceTestKit.create(kit.system());
    var ref = kit.spawn(behavior(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20))));
    TestProbe<TaskEntity.SubmitReply> client = kit.createTestProbe();
    journal.failNextPersisted();
    ref.tell(new TaskEntity.Submit(request("text.summarize", "h1"), ALICE, "trace-1", client.ref()));
    client.expectNoMessage(Duration.ofMillis(300)); // not journaled, so never acknowledged
    assertTrue(journal().isEmpty());

    ref.tell(new TaskEntity.Submit(request("text.summarize", "h1"), ALICE, "trace-1", client.ref()));
    assertEquals(new TaskEntity.Accepted(taskId, "trace-1", TaskStatus.ACCEPTED, true),
        client.expectMessageClass(TaskEntity.Accepted.class, Duration.ofSeconds(3)));
    agentA.expectMessageClass(AgentEntity.RunStep.class);
  }

  private Approval propose(
      EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity, String tool) {
    AgentEntity.RunStep run = agentA.expectMessageClass(AgentEntity.RunStep.class);
    JsonNode call = JsonNodeFactory.instance.objectNode().put("client", "Acme").put("amountEur", 4000);
    report(run, "summarizer-1", StepOutcome.propose(tool, call, "onboarding is complete"));
    return awaitState(entity, s -> s.status() == TaskStatus.WAITING_APPROVAL).approvals().get(0);
  }

  private TaskEntity.DecisionReply decide(
      EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity, String approvalId,
      TaskEntity.Decision decision, String comment) {
    return entity.<TaskEntity.DecisionReply>runCommand(
        r -> new TaskEntity.DecideApproval(approvalId, decision, comment, BOB, r)).reply();
  }

  @Test
  void anApprovedActionRunsOnceCompletesTheStepAndRecordsWhoApproved() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval pending = propose(entity, "billing.trigger");

    var reply = assertInstanceOf(TaskEntity.ApprovalFound.class,
        decide(entity, pending.approvalId(), TaskEntity.Decision.APPROVE, "go ahead"));
    assertEquals(ApprovalStatus.APPROVED, reply.approval().status());
    assertEquals("bob", reply.approval().decidedBy());
    assertEquals("go ahead", reply.approval().comment());

    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals(Map.of(pending.approvalId(), 1), Map.copyOf(billed)); // keyed by the approval, run once
    assertEquals(true, done.output().get("approved").asBoolean());
    assertEquals("inv-1", done.output().get("result").get("invoice").asText());
    assertEquals("approved: the action ran", done.approval(pending.approvalId()).orElseThrow().outcome());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "ApprovalRequested", "ApprovalGranted",
        "ApprovedActionRan", "StepCompleted", "TaskCompleted"), journalTypes());
    JournalEntry granted = journal().get(4);
    assertEquals(BOB, granted.stamp().actor());

    // Deciding again changes nothing.
    assertInstanceOf(TaskEntity.AlreadyDecided.class,
        decide(entity, pending.approvalId(), TaskEntity.Decision.REJECT, "too late"));
    assertEquals(8, journal().size());
    assertInstanceOf(TaskEntity.ApprovalNotFound.class,
        decide(entity, "apr_nothere_000000000000", TaskEntity.Decision.APPROVE, null));
    assertTrue(verifyJournal().ok());
  }

  @Test
  void aRejectedActionNeverRunsAndTheStepFailsByDefault() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval pending = propose(entity, "billing.trigger");

    var reply = assertInstanceOf(TaskEntity.ApprovalFound.class,
        decide(entity, pending.approvalId(), TaskEntity.Decision.REJECT, "wrong amount"));
    assertEquals(ApprovalStatus.REJECTED, reply.approval().status());
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertTrue(failed.error().contains("rejected by bob: wrong amount"), failed.error());
    assertTrue(billed.isEmpty());
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "ApprovalRequested", "ApprovalRejected",
        "TaskFailed"), journalTypes());
  }

  @Test
  void anUndecidedApprovalExpiresAsRejectedByDefault() {
    var entity = entity(new TaskSettings(Duration.ofSeconds(5), 3, Duration.ofMillis(20), Duration.ofMinutes(5), 100,
        Duration.ofSeconds(3), Duration.ofMillis(300)));
    submit(entity, request("text.summarize", "h1"));
    Approval pending = propose(entity, "billing.trigger");

    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    Approval expired = failed.approval(pending.approvalId()).orElseThrow();
    assertEquals(ApprovalStatus.EXPIRED, expired.status());
    assertTrue(expired.outcome().contains("counts as rejected"), expired.outcome());
    assertTrue(billed.isEmpty());
    assertInstanceOf(TaskEntity.AlreadyDecided.class,
        decide(entity, pending.approvalId(), TaskEntity.Decision.APPROVE, "late"));
  }

  @Test
  void withTheEscalatePolicyAnExpiredApprovalStopsTheTaskAndGuidanceLetsTheAgentProposeAgain() {
    registry.tell(new MarketplaceRegistry.Withdraw("summarizer-2", "only one agent offers it in this test"));
    var entity = entity(new TaskSettings(Duration.ofSeconds(5), 3, Duration.ofMillis(20), Duration.ofMinutes(5), 100,
        Duration.ofSeconds(3), Duration.ofMillis(300), TaskSettings.RetriesExhausted.FAIL,
        TaskSettings.ApprovalExpiry.ESCALATE));
    submit(entity, request("text.summarize", "h1"));
    Approval first = propose(entity, "billing.trigger");

    TaskState escalated = awaitState(entity, s -> s.status() == TaskStatus.ESCALATED);
    assertEquals(ApprovalStatus.EXPIRED, escalated.approval(first.approvalId()).orElseThrow().status());
    assertTrue(escalated.error().contains("expired"), escalated.error());

    entity.<TaskEntity.GuidanceReply>runCommand(r -> new TaskEntity.GiveGuidance("bill 3000 instead", ALICE, r));
    AgentEntity.RunStep again = agentA.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals(2, again.attempt());
    assertEquals(List.of("bill 3000 instead"), again.guidance());
  }

  @Test
  void aRestartWhileWaitingKeepsTheApprovalAndItsDecisionStillRunsTheAction() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval pending = propose(entity, "billing.trigger");

    entity.restart();

    assertEquals(TaskStatus.WAITING_APPROVAL, entity.getState().status());
    agentA.expectNoMessage(Duration.ofMillis(200)); // a waiting step is not redelivered
    decide(entity, pending.approvalId(), TaskEntity.Decision.APPROVE, null);
    awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals(Map.of(pending.approvalId(), 1), Map.copyOf(billed));
  }

  @Test
  void anApprovedActionInterruptedByARestartIsAskedAgainOnlyOfAnIdempotentTool() {
    // Idempotent: asked again with the same key, recorded as reconciled.
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval ledger = propose(entity, "ledger.post");
    appendGranted(entity, ledger);
    entity.restart();
    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertTrue(done.approval(ledger.approvalId()).orElseThrow().outcome().contains("ran"));
    assertEquals(Map.of(ledger.approvalId(), 1), Map.copyOf(billed));
  }

  @Test
  void anApprovedActionOfANonIdempotentToolInterruptedByARestartIsInDoubtAndEscalates() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval billing = propose(entity, "billing.trigger");
    appendGranted(entity, billing);
    entity.restart();
    TaskState escalated = awaitState(entity, s -> s.status() == TaskStatus.ESCALATED);
    assertTrue(escalated.error().contains("may or may not have happened"), escalated.error());
    assertTrue(billed.isEmpty()); // never run twice: here, not run again at all
  }

  @Test
  void anApprovedActionThatFailsEscalatesForTheHumanToDecide() {
    billingFails = true;
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval billing = propose(entity, "billing.trigger");
    decide(entity, billing.approvalId(), TaskEntity.Decision.APPROVE, null);
    TaskState escalated = awaitState(entity, s -> s.status() == TaskStatus.ESCALATED);
    assertTrue(escalated.error().contains("billing system down"), escalated.error());
  }

  @Test
  void cancellingATaskWithdrawsItsPendingApproval() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval pending = propose(entity, "billing.trigger");
    entity.<TaskEntity.CancelReply>runCommand(r -> new TaskEntity.Cancel("changed our mind", ALICE, r));
    assertEquals(ApprovalStatus.WITHDRAWN, entity.getState().approval(pending.approvalId()).orElseThrow().status());
    assertInstanceOf(TaskEntity.AlreadyDecided.class,
        decide(entity, pending.approvalId(), TaskEntity.Decision.APPROVE, null));
    assertTrue(billed.isEmpty());
  }

  /** As if the node died right after journaling the approval, before the action reported. */
  private void appendGranted(EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity,
      Approval approval) {
    TaskState state = entity.getState();
    var batch = new AuditChain(HASHER).after(state.chainHead()).add(
        new dev.troupe.persistence.AuditContext(Instant.now(), BOB, state.traceId(), taskId),
        new TaskEvent.ApprovalGranted(approval.approvalId(), approval.stepId(), null));
    PersistenceTestKit.create(kit.system()).persistForRecovery(TaskClient.persistenceId(taskId),
        List.<Object>copyOf(batch.entries()));
  }

  private static TaskRequest budgeted(Long maxTokens, String maxCostUsd, String parentTaskId) {
    JsonNode input = JsonNodeFactory.instance.objectNode().put("text", "Hello there.");
    return TaskRequest.forCapability("default", "text.summarize", "greet", parentTaskId, input,
        new Budget(maxTokens, maxCostUsd == null ? null : new BigDecimal(maxCostUsd)), null, null, Map.of(), "h-b");
  }

  private dev.troupe.runtime.budget.Budgets.Decision reserve(
      EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity, String key, long tokens,
      String cost) {
    return entity.<dev.troupe.runtime.budget.Budgets.Decision>runCommand(r -> new TaskEntity.ReserveBudget(
        taskId + ".main", key, tokens, new BigDecimal(cost), r)).reply();
  }

  @Test
  void reservationsAreJournaledAndAPastTheBudgetOneIsRefusedUntilSettlementFreesIt() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, budgeted(100L, "0.05", null));
    AgentEntity.RunStep run = agentA.expectMessageClass(AgentEntity.RunStep.class);
    assertTrue(run.budgeted(), "a task with a budget meters its steps' model calls");

    assertTrue(reserve(entity, "k1", 60, "0.01").granted());
    assertTrue(reserve(entity, "k1", 60, "0.01").granted(), "a redelivered call keeps its one reservation");
    var refused = reserve(entity, "k2", 50, "0.01");
    assertEquals(false, refused.granted());
    assertEquals("the call may use up to 50 tokens and 40 of the task's 100 are left", refused.reason());
    var tooCostly = reserve(entity, "k3", 10, "0.045");
    assertEquals(false, tooCostly.granted());
    assertTrue(tooCostly.reason().contains("0.04 of the task's 0.05 USD are left"), tooCostly.reason());

    entity.runCommand(new TaskEntity.SettleBudget(taskId + ".main", "k1", 12, new BigDecimal("0.002")));
    TaskState settled = awaitState(entity, s -> s.ledger().reserved().isEmpty());
    assertEquals(12, settled.ledger().spentTokens());
    assertTrue(reserve(entity, "k2", 50, "0.01").granted(), "the settled call used less than it reserved");
    assertEquals(List.of("TaskSubmitted", "StepPlanned", "StepStarted", "BudgetReserved", "BudgetRefused",
        "BudgetRefused", "BudgetSettled", "BudgetReserved"), journalTypes());
    assertTrue(verifyJournal().ok());
  }

  @Test
  void aTaskWithoutABudgetOrParentDoesNotMeterItsSteps() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    assertEquals(false, agentA.expectMessageClass(AgentEntity.RunStep.class).budgeted());
  }

  @Test
  void aChildTaskDrawsFromItsParentsBudgetFirst() {
    List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    parent = new dev.troupe.runtime.budget.Budgets() {
      @Override
      public java.util.concurrent.CompletionStage<Decision> reserve(String taskId, String stepId, String callKey,
          long tokens, BigDecimal costUsd) {
        asked.add("reserve " + taskId + " " + callKey + " " + tokens);
        return java.util.concurrent.CompletableFuture.completedFuture(tokens > 30
            ? Decision.refused("20 of the task's 50 are left") : Decision.GRANTED);
      }

      @Override
      public void settle(String taskId, String stepId, String callKey, long tokens, BigDecimal costUsd) {
        asked.add("settle " + taskId + " " + callKey + " " + tokens);
      }
    };
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, budgeted(null, null, "tsk_parent"));
    assertTrue(agentA.expectMessageClass(AgentEntity.RunStep.class).budgeted(), "the parent may have a budget");

    assertTrue(reserve(entity, "c1", 30, "0").granted());
    var refused = reserve(entity, "c2", 40, "0");
    assertEquals("the parent task's budget: 20 of the task's 50 are left", refused.reason());
    entity.runCommand(new TaskEntity.SettleBudget(taskId + ".main", "c1", 25, BigDecimal.ZERO));
    awaitState(entity, s -> s.ledger().reserved().isEmpty());
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (asked.size() < 3 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(List.of("reserve tsk_parent c1 30", "reserve tsk_parent c2 40", "settle tsk_parent c1 25"), asked);
  }

  @Test
  void aTaskThatWouldRunMoreStepsThanTheLimitFailsAsARunaway() {
    var definition = dev.troupe.runtime.workflow.Workflow.builder("wide")
        .step("one", "text.summarize").done()
        .step("fan", "text.summarize").after("one").forEach("${input.items}", "item",
            dev.troupe.runtime.workflow.JoinPolicy.ALL, null).done()
        .build();
    JsonNode input = JsonNodeFactory.instance.objectNode().set("items",
        JsonNodeFactory.instance.arrayNode().add(1).add(2).add(3));
    TaskRequest wide = new TaskRequest("default", null, new PinnedWorkflow("wide", 1, definition), null, null, input,
        null, null, null, Map.of(), "h-wide");
    var entity = entity(new TaskSettings(Duration.ofSeconds(5), 3, Duration.ofMillis(20), Duration.ofMinutes(5), 100,
        Duration.ofSeconds(3), Duration.ofHours(1), TaskSettings.RetriesExhausted.FAIL,
        TaskSettings.ApprovalExpiry.REJECT, 3));
    submit(entity, wide);
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1", summary("first", 1.0));
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertEquals("RUNAWAY: the task would run more than 3 steps (troupe.tasks.max-steps)", failed.error());
    assertEquals(1, failed.steps().size(), "none of the fan-out was planned");
    agentA.expectNoMessage(Duration.ofMillis(200));
    agentB.expectNoMessage(Duration.ofMillis(10));
  }

  private static TaskRequest workflowTask(dev.troupe.runtime.workflow.WorkflowDefinition definition) {
    JsonNode input = JsonNodeFactory.instance.objectNode().put("text", "Hello there.");
    return new TaskRequest("default", null, new PinnedWorkflow(definition.name(), 1, definition), null, null, input,
        null, null, null, Map.of(), "h-" + definition.name());
  }

  @Test
  void anOutputBelowTheConfidenceThresholdWaitsForAHumanReviewBeforeItFeedsTheNextStep() {
    registry.tell(new MarketplaceRegistry.Withdraw("summarizer-2", "only one agent offers it in this test"));
    var definition = dev.troupe.runtime.workflow.Workflow.builder("careful").minConfidence(0.8)
        .step("draft", "text.summarize").done()
        .step("final", "text.summarize").after("draft").input("{\"text\": \"${steps.draft.output.summary}\"}").done()
        .build();
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, workflowTask(definition));
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1", summary("unsure", 0.5));

    TaskState waiting = awaitState(entity, s -> s.status() == TaskStatus.WAITING_APPROVAL);
    Approval review = waiting.approvals().get(0);
    assertTrue(review.isReview());
    assertEquals("unsure", review.input().get("summary").asText());
    assertEquals("the agent's confidence 0.5 is below the threshold 0.8 of step draft", review.reason());
    agentA.expectNoMessage(Duration.ofMillis(200)); // the next step does not start on an unreviewed output
    agentB.expectNoMessage(Duration.ofMillis(10));

    decide(entity, review.approvalId(), TaskEntity.Decision.APPROVE, "it is fine");
    AgentEntity.RunStep next = agentA.expectMessageClass(AgentEntity.RunStep.class, Duration.ofSeconds(3));
    assertEquals("unsure", next.input().get("text").asText(), "the reviewed output feeds the next step");
    report(next, "summarizer-1", summary("sure", 0.95));
    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals(0.5, done.steps().get(0).confidence());
  }

  @Test
  void aStepMarkedForReviewAlwaysWaitsAndARejectedReviewFailsIt() {
    var definition = dev.troupe.runtime.workflow.Workflow.builder("reviewed")
        .step("draft", "text.summarize").review().done().build();
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, workflowTask(definition));
    report(agentA.expectMessageClass(AgentEntity.RunStep.class), "summarizer-1", summary("confident", 1.0));
    Approval review = awaitState(entity, s -> s.status() == TaskStatus.WAITING_APPROVAL).approvals().get(0);
    assertEquals("step draft is marked for human review", review.reason());
    decide(entity, review.approvalId(), TaskEntity.Decision.REJECT, "too vague");
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertTrue(failed.error().contains("rejected by bob: too vague"), failed.error());
  }

  @Test
  void anApprovedActionThatFinishesAfterItsTaskWasCancelledIsStillJournaled() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    Approval pending = propose(entity, "slow.post");
    decide(entity, pending.approvalId(), TaskEntity.Decision.APPROVE, null);
    entity.<TaskEntity.CancelReply>runCommand(r -> new TaskEntity.Cancel("stop", ALICE, r));
    slowGate.complete(null);
    TaskState state = awaitState(entity, s -> !s.approval(pending.approvalId()).orElseThrow().awaitsResult());
    assertEquals(TaskStatus.CANCELLED, state.status());
    assertEquals("approved: the action ran", state.approval(pending.approvalId()).orElseThrow().outcome());
    List<String> types = journalTypes();
    assertEquals("ApprovedActionRan", types.get(types.size() - 1), types.toString());
    assertEquals(Map.of(pending.approvalId(), 1), Map.copyOf(billed));
  }

  @Test
  void aChildTellsItsParentItStartedAndAParentThatHasEndedStopsIt() {
    var child = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(child, budgeted(null, null, "tsk_parent"));
    assertEquals(List.of("started " + taskId + " of tsk_parent"), childCalls);

    // The parent: cancelled before its workflow subtask's Submit reached the child (the cascade's
    // cancel found no task then); when that child reports it started, the parent stops it.
    childCalls.clear();
    taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
    var parentTask = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(parentTask, request("text.summarize", "h-parent"));
    parentTask.<TaskEntity.CancelReply>runCommand(r -> new TaskEntity.Cancel("stop", ALICE, r));
    parentTask.runCommand(new TaskEntity.ChildStarted(null, "tsk_late_child"));
    assertEquals(List.of("cancel tsk_late_child: the parent task " + taskId + " had already ended CANCELLED"),
        childCalls);
  }
}
