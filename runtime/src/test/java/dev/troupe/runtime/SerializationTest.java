package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.agent.AgentEntity;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.runtime.agent.AgentState;
import dev.troupe.runtime.agent.AgentStatus;
import dev.troupe.runtime.market.Advertisement;
import dev.troupe.runtime.market.Candidate;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.market.MatchConstraints;
import dev.troupe.runtime.market.MatchReply;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.runtime.workflow.Condition;
import dev.troupe.runtime.workflow.JoinPolicy;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.runtime.workflow.WorkflowEntity;
import dev.troupe.runtime.workflow.WorkflowEvent;
import dev.troupe.runtime.workflow.WorkflowState;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.CapabilityOffer;
import dev.troupe.sdk.Sla;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every persisted event and every message that may cross nodes goes through Pekko's Jackson
 * serializer and comes back equal; Java serialization is off.
 */
class SerializationTest {
  private static final ActorTestKit kit = ActorTestKit.create("SerializationTest",
      ConfigFactory.parseString("pekko.actor.provider = local").withFallback(TroupeSettings.load()));
  private static final ObjectNode JSON = JsonNodeFactory.instance.objectNode().put("text", "t");
  private static final Usage USAGE = new Usage(3, 4, new BigDecimal("0.0123"), 1, 2);
  private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
  private static final WorkflowDefinition WORKFLOW = Workflow.builder("sample")
      .step("research", "company.research").input("{\"company\": \"${input.company}\"}").timeout(Duration.ofMinutes(1)).done()
      .step("draft", "outreach.draft").after("research").forEach("${input.contacts}", "contact", JoinPolicy.QUORUM, 2)
          .input("{\"contact\": \"${contact}\"}").done()
      .step("refine", "text.summarize").after("draft")
          .when(Condition.present("steps.draft.output"))
          .loop(Condition.equalTo("steps.refine.output.done", BooleanNode.TRUE), 3)
          .input("{\"text\": \"${steps.draft.output}\"}").done()
      .output("{\"report\": \"${steps.refine.output}\"}")
      .build();
  private static final List<CapabilityOffer> OFFERS =
      List.of(new CapabilityOffer("text.summarize", Sla.of(Duration.ofSeconds(2), "0.001")));

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  private static final List<DomainEvent> SAMPLE_EVENTS = List.of(
      new TaskEvent.TaskSubmitted("t", "acme", null, "client-onboarding", 2, "goal", "parent", JSON, 100L,
          new BigDecimal("0.5"), Duration.ofMinutes(10), Priority.HIGH, Map.of("customer", "acme"), "hash"),
      new TaskEvent.StepPlanned("t.main", "main", "text.summarize", JSON, 0, null),
      new TaskEvent.WorkflowPinned("client-onboarding", 2, WORKFLOW),
      new TaskEvent.StepSkipped("t.letter", "letter", "its condition was false"),
      new TaskEvent.StepCancelled("t.draft[1]", "the fan-out was already joined (any)"),
      new TaskEvent.ChildTaskStarted("t.main", "tsk_child"),
      new TaskEvent.TaskCancelled("no longer needed", USAGE),
      new WorkflowEvent.WorkflowVersionRegistered(3, WORKFLOW),
      new WorkflowEvent.WorkflowRolledBack(3, 2),
      new WorkflowEvent.TriggerOffsetAdvanced(1234),
      new WorkflowEvent.TriggerRefused("notify", "tsk_1", 9, "past troupe.tasks.max-trigger-depth (8)"),
      new WorkflowEvent.TriggerDeferred("tsk_2", "notify", "tsk_1", "tenant acme has 2 tasks in flight",
          new TaskRequest("acme", null, new PinnedWorkflow("notify", 1, WORKFLOW, "acme"), null, null, JSON, null, null,
              null, Map.of("triggeredBy", "tsk_1"), "hash"), "trace"),
      new WorkflowEvent.DeferredTriggerStarted("tsk_2"),
      new dev.troupe.runtime.effect.EffectEvent.EffectClaimed("t.main/tool-1", "billing.charge", "ab12", "billing-1", 1),
      new dev.troupe.runtime.effect.EffectEvent.EffectSettled("t.main/tool-1", "billing-1", 1, "ok", JSON,
          List.of("output: 1 email")),
      new TaskEvent.StepStarted("t.main", "main", "text.summarize", "summarizer-1", 1),
      new TaskEvent.StepCompleted("t.main", "summarizer-1", 1, JSON, 0.9, USAGE, 12),
      new TaskEvent.StepFailed("t.main", null, 1, "flaky", true, true, USAGE, 12),
      new TaskEvent.StepEscalated("t.main", "summarizer-1", 1, "stuck", USAGE, 12),
      new TaskEvent.ApprovalRequested("apr_1", "t.main", "billing-clerk-1", 1, "billing.trigger", JSON, false, "why",
          AT, USAGE, 3),
      new TaskEvent.TaskCompleted(JSON, USAGE),
      new TaskEvent.TaskFailed("no", USAGE),
      new TaskEvent.TaskEscalated("stuck"),
      new TaskEvent.GuidanceGiven("the text is Finnish; summarize it in English", List.of("t.main"), "hint-1"),
      new TaskEvent.ApprovalGranted("apr_1", "t.main", "looks right"),
      new TaskEvent.ApprovalRejected("apr_1", "t.main", "wrong amount",
          dev.troupe.runtime.workflow.RejectPolicy.CONTINUE),
      new TaskEvent.ApprovalExpired("apr_1", "t.main", "reject", dev.troupe.runtime.workflow.RejectPolicy.SKIP),
      new TaskEvent.BudgetReserved("t.main#1/model-1", "t.main", 120, new BigDecimal("0.012")),
      new TaskEvent.BudgetSettled("t.main#1/model-1", "t.main", 30, new BigDecimal("0.003")),
      new TaskEvent.BudgetRefused("t.main#1/model-2", "t.main", 120, new BigDecimal("0.012"), "10 of 100 left"),
      new TaskEvent.ApprovedActionRan("apr_1", "t.main", "billing.trigger", JSON, JSON, 12, "ok", null),
      new AgentEvent.AgentConfigured("summarizer-1", "summarizer", "sums", OFFERS,
          Set.of("crm.record", "email.send", "billing.trigger", "test.echo"), "fast",
          AgentLimits.DEFAULT),
      new AgentEvent.StepAccepted("t", "t.main", 1, "text.summarize", JSON),
      new AgentEvent.StepRefused("t", "t.main", 1, "at its limit"),
      new AgentEvent.NoteRemembered("t.main", "k", "v"),
      new AgentEvent.DelegationRequested("t.main", "tsk_child", "text.summarize"),
      new AgentEvent.StepFinished("t", "t.main", 1, "text.summarize", StepOutcome.propose("email.send", JSON, "why"),
          USAGE, 10, true),
      new AgentEvent.StepRan("t", "t.main", 1, "text.summarize", JSON, List.of(
          new AgentEvent.ModelCalled("t.main", "local", "fast", 1, 2, BigDecimal.ZERO, 3, null),
          new AgentEvent.ToolCalled("t.main", "crm.record", "t.main/tool-1", JSON, JSON, 4, "ok", null),
          new AgentEvent.DecisionNoted("t.main", "because")),
          StepOutcome.completed(JSON, 0.9), USAGE, 10, true, AT),
      new AgentEvent.AgentDegraded("5 failures"),
      new AgentEvent.AgentRestored("cool-down over"),
      new AgentEvent.ModelCalled("t.main", "local", "fast", 1, 2, BigDecimal.ZERO, 3, null),
      new AgentEvent.ModelCalled("t.main", "gpt-mini", "fast", 10, 20, new BigDecimal("0.000013"), 300, null, 3,
          List.of("model claude is rate limited (HTTP 429) (2 calls)"), "tool_calls", JSON, JSON,
          List.of("prompt: 1 email")),
      new dev.troupe.runtime.model.ModelHealthEvent.BreakerStateChanged("gpt-mini", "CLOSED", "OPEN"),
      new dev.troupe.runtime.model.ModelHealthEvent.ToolBreakerStateChanged("crm.record", "OPEN", "HALF_OPEN"),
      new AgentEvent.ToolCallIntended("t.main", "crm.record", "t.main/tool-1", JSON),
      new AgentEvent.ToolCalled("t.main", "crm.record", "t.main/tool-1", JSON, JSON, 4, "ok", null),
      new AgentEvent.DecisionNoted("t.main", "because"));

  private static DomainEvent sample(Class<?> type) {
    return SAMPLE_EVENTS.stream().filter(type::isInstance).findFirst().orElseThrow();
  }

  private static JournalEntry entry(DomainEvent event) {
    return new JournalEntry(new AuditStamp(1, AT, AuditActor.human("alice"), "trace", "t", ChainHead.GENESIS,
        "ab".repeat(32)), event);
  }

  private static Set<Class<?>> leaves(Class<?> sealedRoot) {
    Set<Class<?>> out = new HashSet<>();
    for (Class<?> type : sealedRoot.getPermittedSubclasses()) {
      if (type.isInterface()) {
        out.addAll(leaves(type));
      } else {
        out.add(type);
      }
    }
    return out;
  }

  @Test
  void everyEventHasASampleHere() {
    Set<Class<?>> permitted = new HashSet<>(leaves(TaskEvent.class));
    permitted.addAll(leaves(AgentEvent.class));
    permitted.addAll(leaves(WorkflowEvent.class));
    permitted.addAll(leaves(dev.troupe.runtime.effect.EffectEvent.class));
    permitted.addAll(leaves(dev.troupe.runtime.model.ModelHealthEvent.class));
    Set<Class<?>> sampled = SAMPLE_EVENTS.stream().map(Object::getClass).collect(Collectors.toSet());
    assertEquals(permitted, sampled, "add a sample for each new event");
  }

  @Test
  void aStepStartedFromBeforeTheMarketChoiceWasRecordedWritesAsItWasStored() throws Exception {
    // Its link is over the event as written now: an added field must not appear in old events.
    var mapper = dev.troupe.persistence.JournalAudit.journalMapper(kit.system());
    String old = "{\"type\":\"StepStarted\",\"stepId\":\"t.a\",\"name\":\"a\",\"capability\":\"c\","
        + "\"agentId\":\"x-1\",\"attempt\":1}";
    JournalEntry entry = mapper.readValue("{\"stamp\":{\"seq\":1,\"at\":\"2026-01-01T00:00:00Z\",\"actor\":"
        + "{\"kind\":\"system\",\"id\":\"orchestrator\"},\"prevHash\":\"0\",\"hash\":\"h\"},\"event\":" + old + "}",
        JournalEntry.class);
    assertEquals(mapper.readTree(old), mapper.valueToTree(entry.event()));
  }

  @Test
  void eventNamesAreUniqueAcrossEntities() {
    List<String> names = new ArrayList<>();
    leaves(TaskEvent.class).forEach(type -> names.add(type.getSimpleName()));
    leaves(AgentEvent.class).forEach(type -> names.add(type.getSimpleName()));
    leaves(WorkflowEvent.class).forEach(type -> names.add(type.getSimpleName()));
    leaves(dev.troupe.runtime.effect.EffectEvent.class).forEach(type -> names.add(type.getSimpleName()));
    leaves(dev.troupe.runtime.model.ModelHealthEvent.class).forEach(type -> names.add(type.getSimpleName()));
    assertEquals(names.size(), new TreeSet<>(names).size(), "one name, one event type: " + names);
  }

  @Test
  void everyEventRoundTripsInsideItsJournalEntry() {
    for (DomainEvent event : SAMPLE_EVENTS) {
      kit.serializationTestKit().verifySerialization(entry(event), true);
    }
  }

  @Test
  void everyEventsAuditHashSurvivesARoundTripThroughTheJournalsSerializer() {
    var serialization = SerializationExtension.get(kit.system());
    var hasher = new dev.troupe.persistence.AuditHasher(dev.troupe.persistence.JournalAudit.journalMapper(kit.system()));
    for (DomainEvent event : SAMPLE_EVENTS) {
      JournalEntry entry = entry(event);
      byte[] bytes = serialization.serialize(entry).get();
      var serializer = serialization.findSerializerFor(entry);
      JournalEntry back = (JournalEntry) serialization.deserialize(bytes, serializer.identifier(),
          Serializers.manifestFor(serializer, entry)).get();
      assertEquals(hasher.hashOf(entry.stamp(), entry.event()), hasher.hashOf(back.stamp(), back.event()),
          "a verifier would see " + event.getClass().getSimpleName() + " as tampered");
    }
  }

  @Test
  void aStoredEntryThatDoesNotParseReadsAsUnreadableAndAnythingElseStillFails() throws Exception {
    var serializer = (org.apache.pekko.serialization.SerializerWithStringManifest) SerializationExtension
        .get(kit.system()).serializerFor(JournalEntry.class);
    Object read = serializer.fromBinary("!{\"stamp\":".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "dev.troupe.persistence.JournalEntry#1");
    var unreadable = org.junit.jupiter.api.Assertions.assertInstanceOf(dev.troupe.persistence.UnreadableEntry.class,
        read);
    assertTrue(unreadable.reason().startsWith("JsonParseException"), unreadable.reason());
    org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> serializer.fromBinary(
        "!".getBytes(java.nio.charset.StandardCharsets.UTF_8), TaskEntity.Accepted.class.getName()));
  }

  @Test
  void journalEntriesAreStoredAsVersionedJsonWithTheEventsName() {
    var serialization = SerializationExtension.get(kit.system());
    JournalEntry entry = entry(SAMPLE_EVENTS.get(0));
    var serializer = serialization.findSerializerFor(entry);
    // Pekko's Jackson JSON serializer with a tolerant read; the same identifier, so old rows read.
    assertEquals(dev.troupe.persistence.TolerantJsonSerializer.class, serializer.getClass());
    assertEquals(31, serializer.identifier());
    assertEquals("dev.troupe.persistence.JournalEntry#1", Serializers.manifestFor(serializer, entry));
    String json = new String(serialization.serialize(entry).get(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(json.contains("\"type\":\"TaskSubmitted\""), json);
    assertTrue(!json.contains("dev.troupe.runtime"), "no class names in stored events: " + json);
  }

  @Test
  void messagesAndStatesThatMayCrossNodesRoundTrip() {
    TestProbe<TaskEntity.SubmitReply> submitReplies = kit.createTestProbe();
    TestProbe<TaskEntity.GetReply> getReplies = kit.createTestProbe();
    TestProbe<TaskEntity.Result> results = kit.createTestProbe();
    TestProbe<AgentEntity.StepReport> reports = kit.createTestProbe();
    TestProbe<AgentEntity.AgentView> views = kit.createTestProbe();
    TestProbe<MatchReply> matches = kit.createTestProbe();
    TestProbe<MarketplaceRegistry.AgentList> lists = kit.createTestProbe();
    TaskRequest request = TaskRequest.forCapability("acme", "text.summarize", "goal", null, JSON, null, Duration.ofSeconds(5),
        Priority.LOW, Map.of("a", "b"), "hash");
    TaskState task = TaskState.empty("t").apply(entry(SAMPLE_EVENTS.get(0))).apply(entry(SAMPLE_EVENTS.get(1)))
        .apply(entry(sample(TaskEvent.WorkflowPinned.class)));
    AgentState agent = AgentState.empty("a-1").apply(entry(sample(AgentEvent.AgentConfigured.class)), Duration.ofHours(1))
        .apply(entry(sample(AgentEvent.StepAccepted.class)), Duration.ofHours(1));
    TestProbe<WorkflowEntity.Registered> registered = kit.createTestProbe();
    TestProbe<WorkflowEntity.RollbackReply> rolledBack = kit.createTestProbe();
    TestProbe<WorkflowState> workflows = kit.createTestProbe();
    TestProbe<TaskEntity.CancelReply> cancels = kit.createTestProbe();
    TestProbe<TaskEntity.GuidanceReply> guided = kit.createTestProbe();
    TestProbe<TaskEntity.DecisionReply> decisions = kit.createTestProbe();
    TestProbe<dev.troupe.runtime.budget.Budgets.Decision> budgetReplies = kit.createTestProbe();
    WorkflowState workflowState = WorkflowState.empty("sample").apply(entry(sample(WorkflowEvent.WorkflowVersionRegistered.class)));
    TestProbe<dev.troupe.runtime.effect.EffectLedgerState.Decision> effectReplies = kit.createTestProbe();
    TestProbe<org.apache.pekko.Done> done = kit.createTestProbe();
    var inDoubt = dev.troupe.runtime.effect.EffectLedgerState.EMPTY
        .apply(entry(sample(dev.troupe.runtime.effect.EffectEvent.EffectClaimed.class)));
    var effects = inDoubt.apply(entry(sample(dev.troupe.runtime.effect.EffectEvent.EffectSettled.class)));
    Advertisement ad = new Advertisement("a-1", "summarizer", "sums", OFFERS, AgentStatus.AVAILABLE, 1, 4, 2, 0, 0.8, AT);
    List<Object> messages = List.of(
        new TaskEntity.Submit(request, AuditActor.human("alice"), "trace", submitReplies.ref()),
        new TaskEntity.Get(getReplies.ref()),
        new TaskEntity.AwaitResult(results.ref()),
        new TaskEntity.Accepted("t", "trace", TaskStatus.ACCEPTED, true),
        new TaskEntity.IdempotencyConflict("t"),
        new TaskEntity.Refused("why"),
        new TaskEntity.Found(task),
        new TaskEntity.NotFound("t"),
        new TaskEntity.GiveGuidance("use the 2025 figures", AuditActor.human("alice"), guided.ref()),
        new TaskEntity.GuidanceAccepted(task, List.of("t.main")),
        new TaskEntity.Result("t", TaskStatus.COMPLETED, JSON, null),
        new TaskEntity.DecideApproval("apr_t_000000000000", TaskEntity.Decision.APPROVE, "ok", AuditActor.human("ada"),
            decisions.ref()),
        new TaskEntity.GetApproval("apr_t_000000000000", decisions.ref()),
        new TaskEntity.ApprovalNotFound("apr_t_000000000000"),
        new TaskEntity.ReserveBudget("t.main", "t.main#1/model-1", 120, new BigDecimal("0.012"), budgetReplies.ref()),
        new TaskEntity.SettleBudget("t.main", "t.main#1/model-1", 30, new BigDecimal("0.003")),
        dev.troupe.runtime.budget.Budgets.Decision.refused("10 of 100 left"),
        AgentEntity.Wake.INSTANCE,
        new AgentEntity.RunStep("t", "t.main", 1, "text.summarize", JSON, "goal", List.of("be brief"),
            Map.of("earlier", JSON), "acme", "trace", reports.ref(), true),
        new AgentEntity.StepReport("t", "t.main", 1, "a", StepOutcome.completed(JSON, 0.5), USAGE, 3,
            new dev.troupe.runtime.agent.StepRecord(12, 15)),
        new AgentEntity.StepReport("t", "t.main", 1, "a", StepOutcome.escalate("stuck"), Usage.NONE, 3, null),
        new AgentEntity.GetStatus(views.ref()),
        new AgentEntity.AgentView("a-1", "summarizer", "sums", OFFERS, AgentStatus.BUSY, 4, 10, 1, 0.9, 2),
        new MarketplaceRegistry.Advertise(ad),
        new MarketplaceRegistry.Withdraw("a-1", "stopped"),
        new MarketplaceRegistry.Match("text.summarize", new MatchConstraints(BigDecimal.ONE, Duration.ofSeconds(3)),
            Set.of("a-2"), matches.ref()),
        new MarketplaceRegistry.ListAgents(lists.ref()),
        new MarketplaceRegistry.AgentList(List.of(ad)),
        new MatchReply.CapabilityMatch("text.summarize",
            List.of(new Candidate("a-1", 0.8, 0, 4, BigDecimal.ONE, Duration.ofSeconds(2)))),
        new MatchReply.UnknownCapability("x.y", new TreeSet<>(Set.of("text.summarize"))),
        new MatchReply.NoneAvailable("text.summarize", List.of("a-1 is DEGRADED")),
        agent,
        new TaskEntity.Cancel("why", AuditActor.human("alice"), cancels.ref()),
        new TaskEntity.Cancelled(task),
        new TaskEntity.AlreadyFinished(task),
        new PinnedWorkflow("sample", 1, WORKFLOW),
        new PinnedWorkflow("sample", 1, WORKFLOW, "acme"),
        new dev.troupe.runtime.effect.EffectLedgerEntity.Claim(new dev.troupe.runtime.effect.EffectLedgerState.Claim(
            "t.main/tool-1", "billing.charge", "ab12", "billing-1", 2), "trace", effectReplies.ref()),
        new dev.troupe.runtime.effect.EffectLedgerEntity.Release(new dev.troupe.runtime.effect.EffectLedgerState.Claim(
            "t.main/tool-1", "billing.charge", "ab12", "billing-1", 2), "trace", done.ref()),
        new dev.troupe.runtime.effect.EffectLedgerEntity.Settle((dev.troupe.runtime.effect.EffectEvent.EffectSettled)
            sample(dev.troupe.runtime.effect.EffectEvent.EffectSettled.class), "trace", done.ref()),
        effects.decide(new dev.troupe.runtime.effect.EffectLedgerState.Claim("t.main/tool-1", "billing.charge", "ab12",
            "billing-2", 2)),
        effects.decide(new dev.troupe.runtime.effect.EffectLedgerState.Claim("t.main/tool-2", "billing.charge", "cd34",
            "billing-2", 2)),
        inDoubt.decide(new dev.troupe.runtime.effect.EffectLedgerState.Claim("t.main/tool-1", "billing.charge", "ab12",
            "billing-2", 2)),
        effects,
        new WorkflowEntity.Register(WORKFLOW, AuditActor.human("alice"), registered.ref()),
        new WorkflowEntity.Registered("sample", 1, true),
        new WorkflowEntity.Rollback(1, AuditActor.human("alice"), rolledBack.ref()),
        new WorkflowEntity.RolledBack(workflowState),
        new WorkflowEntity.NoSuchVersion("sample", 9, 1),
        new WorkflowEntity.Get(workflows.ref()),
        workflowState,
        new dev.troupe.runtime.workflow.TriggerRouter.Position(1234, ChainHead.EMPTY),
        new dev.troupe.runtime.workflow.TriggerRouter.Position(1234, ChainHead.EMPTY)
            .apply(entry(sample(WorkflowEvent.TriggerDeferred.class))),
        new dev.troupe.runtime.workflow.TriggerRouter.Position(1234, ChainHead.EMPTY)
            .apply(entry(sample(WorkflowEvent.TriggerRefused.class))));
    for (Object message : messages) {
      kit.serializationTestKit().verifySerialization(message, true);
    }
  }

  @Test
  void javaSerializationIsOff() {
    assertEquals(false, kit.system().settings().config().getBoolean("pekko.actor.allow-java-serialization"));
  }
}
