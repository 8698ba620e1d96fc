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
import dev.troupe.runtime.agent.AgentDefinition;
import dev.troupe.runtime.agent.AgentDirectory;
import dev.troupe.runtime.agent.AgentHandle;
import dev.troupe.runtime.agent.AgentRunner;
import dev.troupe.runtime.agent.StepOutcome;
import dev.troupe.runtime.agent.Usage;
import dev.troupe.runtime.model.ModelClient;
import dev.troupe.runtime.model.ModelReply;
import dev.troupe.runtime.model.ModelRequest;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

  private TestProbe<AgentRunner.Command> agentA;
  private TestProbe<AgentRunner.Command> agentB;
  private TestProbe<ClusterSharding.ShardCommand> shard;
  private String taskId;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void freshTask() {
    agentA = kit.createTestProbe();
    agentB = kit.createTestProbe();
    shard = kit.createTestProbe();
    taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
  }

  private static TaskSettings settings(Duration stepTimeout, int maxAttempts, Duration backoff) {
    return new TaskSettings(stepTimeout, maxAttempts, backoff, Duration.ofMinutes(5), 100);
  }

  private EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity(TaskSettings settings) {
    return EventSourcedBehaviorTestKit.create(kit.system(), behavior(settings));
  }

  private org.apache.pekko.actor.typed.Behavior<TaskEntity.Command> behavior(TaskSettings settings) {
    ModelClient noModel = new ModelClient() {
      @Override
      public String name() {
        return "none";
      }

      @Override
      public CompletionStage<ModelReply> complete(ModelRequest request) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException());
      }
    };
    List<AgentDefinition> definitions = List.of(
        new AgentDefinition("summarizer-1", "first", List.of("text.summarize"), noModel,
            s -> CompletableFuture.completedFuture(null)),
        new AgentDefinition("summarizer-2", "second", List.of("text.summarize"), noModel,
            s -> CompletableFuture.completedFuture(null)));
    AgentDirectory directory = new AgentDirectory(definitions, Map.of(
        "summarizer-1", new AgentHandle("summarizer-1", agentA.ref()),
        "summarizer-2", new AgentHandle("summarizer-2", agentB.ref())));
    TaskDependencies deps = new TaskDependencies(settings, SUPERVISION, directory, new AuditChain(HASHER),
        Clock.systemUTC());
    return TaskEntity.create(new EntityContext<>(TaskEntity.ENTITY_TYPE_KEY, taskId, shard.ref()), deps);
  }

  private static TaskRequest request(String capability, String hash) {
    JsonNode input = JsonNodeFactory.instance.objectNode().put("text", "Hello there. General Kenobi.");
    return new TaskRequest("default", capability, input, null, null, null, Map.of("customer", "acme"), hash);
  }

  private TaskEntity.SubmitReply submit(
      EventSourcedBehaviorTestKit<TaskEntity.Command, JournalEntry, TaskState> entity, TaskRequest request) {
    return entity.<TaskEntity.SubmitReply>runCommand(r -> new TaskEntity.Submit(request, ALICE, "trace-1", r)).reply();
  }

  private static StepOutcome summary(String text, double confidence) {
    return StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("summary", text), confidence);
  }

  private static void report(AgentRunner.RunStep run, String agentId, StepOutcome outcome, Usage usage) {
    run.replyTo().tell(new AgentRunner.StepReport(run.taskId(), run.stepId(), run.attempt(), agentId, outcome,
        usage, 7));
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
  void submitJournalsTheTaskHandsTheStepToAnAgentAndCompletes() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    var result = entity.<TaskEntity.SubmitReply>runCommand(
        r -> new TaskEntity.Submit(request("text.summarize", "h1"), ALICE, "trace-1", r));
    assertEquals(new TaskEntity.Accepted(taskId, "trace-1", TaskStatus.RUNNING, true), result.reply());
    assertEquals(List.of("TaskSubmitted", "StepStarted"), result.events().stream().map(JournalEntry::eventType).toList());
    assertEquals(ALICE, result.events().get(0).stamp().actor());
    assertEquals(AuditActor.system("orchestrator"), result.events().get(1).stamp().actor());

    AgentRunner.RunStep run = agentA.expectMessageClass(AgentRunner.RunStep.class);
    assertEquals(taskId + ".main", run.stepId());
    assertEquals(1, run.attempt());
    assertEquals("Hello there. General Kenobi.", run.input().get("text").asText());

    report(run, "summarizer-1", summary("Hello there.", 0.9), new Usage(10, 5, new BigDecimal("0.002"), 1, 0));
    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);

    assertEquals("Hello there.", done.output().get("summary").asText());
    assertEquals(15, done.usage().tokens());
    assertEquals(new BigDecimal("0.002"), done.usage().costUsd());
    StepState step = done.steps().get(0);
    assertEquals(StepStatus.COMPLETED, step.status());
    assertEquals(0.9, step.confidence());
    assertEquals(List.of("TaskSubmitted", "StepStarted", "StepCompleted", "TaskCompleted"), journalTypes());
    assertEquals(AuditActor.agent("summarizer-1"), journal().get(2).stamp().actor());
    assertEquals(List.of("trace-1"), journal().stream().map(e -> e.stamp().traceId()).distinct().toList());
    assertEquals(VerifyReport.ok(4), verifyJournal());
  }

  @Test
  void aRepeatedSubmitWithTheSameRequestReturnsTheSameTaskAndWritesNothing() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
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
  void anUnknownCapabilityIsRefusedAndNothingIsJournaled() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    var result = entity.<TaskEntity.SubmitReply>runCommand(
        r -> new TaskEntity.Submit(request("image.paint", "h1"), ALICE, "trace-1", r));
    assertEquals(new TaskEntity.Refused("unknown capability 'image.paint'"), result.reply());
    assertTrue(journal().isEmpty());
  }

  @Test
  void aRetryableFailureIsRetriedOnAnotherAgent() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentRunner.RunStep first = agentA.expectMessageClass(AgentRunner.RunStep.class);
    report(first, "summarizer-1", StepOutcome.retryable("model overloaded"), Usage.NONE);

    AgentRunner.RunStep second = agentB.expectMessageClass(AgentRunner.RunStep.class);
    assertEquals(first.stepId(), second.stepId());
    assertEquals(2, second.attempt());
    report(second, "summarizer-2", summary("ok", 1.0), Usage.NONE);

    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals("summarizer-2", done.steps().get(0).agentId());
    assertEquals(2, done.steps().get(0).attempts());
    assertEquals(List.of("TaskSubmitted", "StepStarted", "StepFailed", "StepStarted", "StepCompleted", "TaskCompleted"),
        journalTypes());
    TaskEvent.StepFailed failed = (TaskEvent.StepFailed) journal().get(2).event();
    assertEquals("model overloaded", failed.reason());
    assertTrue(failed.willRetry());
    assertEquals(VerifyReport.ok(6), verifyJournal());
  }

  @Test
  void aPermanentFailureFailsTheTaskWithoutRetry() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentRunner.RunStep.class), "summarizer-1",
        StepOutcome.permanent("input.text must be a non-empty string"), Usage.NONE);
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertEquals("step main failed: input.text must be a non-empty string", failed.error());
    assertEquals(StepStatus.FAILED, failed.steps().get(0).status());
    agentB.expectNoMessage(Duration.ofMillis(200));
    assertEquals(List.of("TaskSubmitted", "StepStarted", "StepFailed", "TaskFailed"), journalTypes());
  }

  @Test
  void stepTimeoutsAreRetriedUntilTheAttemptsRunOut() {
    var entity = entity(settings(Duration.ofMillis(150), 2, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentRunner.RunStep first = agentA.expectMessageClass(AgentRunner.RunStep.class);
    agentB.expectMessageClass(AgentRunner.RunStep.class);
    TaskState failed = awaitState(entity, s -> s.status() == TaskStatus.FAILED);
    assertEquals("step main failed after 2 attempts: step timed out after PT0.15S", failed.error());

    // A report of an attempt the task gave up on changes nothing.
    report(first, "summarizer-1", summary("too late", 1.0), Usage.NONE);
    agentA.expectNoMessage(Duration.ofMillis(100));
    assertEquals(TaskStatus.FAILED, entity.getState().status());
    assertEquals(List.of("TaskSubmitted", "StepStarted", "StepFailed", "StepStarted", "StepFailed", "TaskFailed"),
        journalTypes());
  }

  @Test
  void aLateSuccessOfAnEarlierAttemptIsAccepted() {
    var entity = entity(settings(Duration.ofMillis(150), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentRunner.RunStep first = agentA.expectMessageClass(AgentRunner.RunStep.class);
    agentB.expectMessageClass(AgentRunner.RunStep.class);
    report(first, "summarizer-1", summary("slow but right", 1.0), Usage.NONE);
    TaskState done = awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals("slow but right", done.output().get("summary").asText());
  }

  @Test
  void afterARestartAStepInFlightIsRedeliveredWithTheSameStepId() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(20)));
    submit(entity, request("text.summarize", "h1"));
    AgentRunner.RunStep before = agentA.expectMessageClass(AgentRunner.RunStep.class);

    entity.restart();

    AgentRunner.RunStep after = agentA.expectMessageClass(AgentRunner.RunStep.class);
    assertEquals(before.stepId(), after.stepId());
    assertEquals(before.attempt(), after.attempt());
    report(after, "summarizer-1", summary("done", 1.0), Usage.NONE);
    awaitState(entity, s -> s.status() == TaskStatus.COMPLETED);
    assertEquals(List.of("TaskSubmitted", "StepStarted", "StepCompleted", "TaskCompleted"), journalTypes());
  }

  @Test
  void afterARestartAPendingRetryIsScheduledAgain() {
    var entity = entity(settings(Duration.ofSeconds(5), 3, Duration.ofMillis(300)));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentRunner.RunStep.class), "summarizer-1",
        StepOutcome.retryable("flaky"), Usage.NONE);
    awaitState(entity, s -> s.steps().get(0).status() == StepStatus.PENDING);

    entity.restart();

    AgentRunner.RunStep retry = agentB.expectMessageClass(AgentRunner.RunStep.class, Duration.ofSeconds(3));
    assertEquals(2, retry.attempt());
  }

  @Test
  void aFinishedTaskLeavesMemoryWhenIdle() {
    var entity = entity(new TaskSettings(Duration.ofSeconds(5), 3, Duration.ofMillis(20), Duration.ofMillis(100), 100));
    submit(entity, request("text.summarize", "h1"));
    report(agentA.expectMessageClass(AgentRunner.RunStep.class), "summarizer-1", summary("x", 1.0), Usage.NONE);
    var passivate = shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(3));
    assertInstanceOf(ClusterSharding.Passivate.class, passivate);
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
    assertEquals(new TaskEntity.Accepted(taskId, "trace-1", TaskStatus.RUNNING, true),
        client.expectMessageClass(TaskEntity.Accepted.class, Duration.ofSeconds(3)));
    agentA.expectMessageClass(AgentRunner.RunStep.class);
  }
}
