package dev.troupe.runtime.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.runtime.budget.Budget;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure fold the entity, replay and audit share: no ActorSystem. */
class TaskStateTest {
  private static final ObjectNode INPUT = JsonNodeFactory.instance.objectNode().put("text", "t");
  private static final ObjectNode OUTPUT = JsonNodeFactory.instance.objectNode().put("summary", "s");
  private long seq;

  private JournalEntry at(int second, DomainEvent event) {
    seq++;
    return new JournalEntry(new AuditStamp(seq, Instant.ofEpochSecond(second), AuditActor.system("test"), "tr",
        "t1", "p" + seq, "h" + seq), event);
  }

  private TaskState submitted() {
    return TaskState.empty("t1")
        .apply(at(10, new TaskEvent.TaskSubmitted("t1", "acme", "text.summarize", null, null, "goal", "parent", INPUT, 100L,
            new BigDecimal("0.5"), null, Priority.HIGH, Map.of("k", "v"), "hash")))
        .apply(at(10, new TaskEvent.StepPlanned("s", "main", "text.summarize", INPUT, null, null)));
  }

  @Test
  void submissionMakesAnAcceptedTaskWithAPlannedStep() {
    TaskState state = submitted();
    assertEquals(TaskStatus.ACCEPTED, state.status());
    assertEquals("acme", state.tenant());
    assertEquals("goal", state.goal());
    assertEquals("parent", state.parentTaskId());
    assertEquals(Instant.ofEpochSecond(10), state.createdAt());
    assertEquals(new Budget(100L, new BigDecimal("0.5")), state.budget());
    assertEquals("tr", state.traceId());
    assertEquals(2, state.chainHead().seq());
    StepState step = state.steps().get(0);
    assertEquals(StepStatus.PENDING, step.status());
    assertEquals(0, step.attempts());
  }

  @Test
  void attemptsFailuresAndCompletionAreFolded() {
    TaskState state = submitted()
        .apply(at(11, new TaskEvent.StepStarted("s", "main", "text.summarize", "a1", 1)))
        .apply(at(12, new TaskEvent.StepFailed("s", "a1", 1, "flaky", true, true, new Usage(5, 0, BigDecimal.ONE, 1, 0), 3)));
    StepState step = state.steps().get(0);
    assertEquals(TaskStatus.RUNNING, state.status());
    assertEquals(StepStatus.PENDING, step.status());
    assertEquals("flaky", step.error());
    assertEquals(List.of("a1"), step.failedAgents());
    assertNull(step.endedAt());

    state = state.apply(at(13, new TaskEvent.StepStarted("s", "main", "text.summarize", "a2", 2)))
        .apply(at(13, new AgentEvent.ModelCalled("s", "local", "fast", 1, 1, BigDecimal.ZERO, 1, null)))
        .apply(at(14, new TaskEvent.StepCompleted("s", "a2", 2, OUTPUT, 0.8, new Usage(10, 2, BigDecimal.ONE, 1, 0), 4)))
        .apply(at(15, new TaskEvent.TaskCompleted(OUTPUT, Usage.NONE)));
    step = state.steps().get(0);
    assertEquals(1, state.steps().size());
    assertEquals(StepStatus.COMPLETED, step.status());
    assertEquals("a2", step.agentId());
    assertEquals(2, step.attempts());
    assertEquals(Instant.ofEpochSecond(11), step.startedAt());
    assertEquals(Instant.ofEpochSecond(14), step.endedAt());
    assertEquals(17, step.usage().tokens());
    assertEquals(new BigDecimal("2"), state.usage().costUsd());
    assertEquals(TaskStatus.COMPLETED, state.status());
    assertEquals(OUTPUT, state.output());
    assertEquals(Instant.ofEpochSecond(15), state.updatedAt());
    assertEquals(8, state.chainHead().seq(), "activity copied from the agent is part of the chain");
    assertTrue(state.status().isFinal());
  }

  @Test
  void aFailedMatchCountsAsAnAttemptWithoutAnAgent() {
    TaskState state = submitted()
        .apply(at(11, new TaskEvent.StepFailed("s", null, 1, "no agent", true, true, Usage.NONE, 0)));
    assertEquals(1, state.steps().get(0).attempts());
    assertEquals(StepStatus.PENDING, state.steps().get(0).status());
    assertTrue(state.steps().get(0).failedAgents().isEmpty());
  }

  @Test
  void escalationAndApprovalRequestsStopTheTaskForAHuman() {
    TaskState started = submitted().apply(at(11, new TaskEvent.StepStarted("s", "main", "text.summarize", "a1", 1)));
    TaskState escalated = started
        .apply(at(12, new TaskEvent.StepEscalated("s", "a1", 1, "stuck", Usage.NONE, 1)))
        .apply(at(12, new TaskEvent.TaskEscalated("agent a1 asks for a human: stuck")));
    assertEquals(TaskStatus.ESCALATED, escalated.status());
    assertEquals(StepStatus.ESCALATED, escalated.steps().get(0).status());

    TaskState waiting = started.apply(at(12, new TaskEvent.ApprovalRequested("apr_1", "s", "a1", 1, "billing.trigger",
        OUTPUT, false, "why", Instant.ofEpochSecond(99), Usage.NONE, 1)));
    assertEquals(TaskStatus.WAITING_APPROVAL, waiting.status());
    assertEquals("apr_1", waiting.approvals().get(0).approvalId());
    assertEquals(Instant.ofEpochSecond(12), waiting.approvals().get(0).requestedAt());
  }

  @Test
  void guidanceResumesTheEscalatedStepsAndIsKeptForEveryLaterStep() {
    TaskState escalated = submitted()
        .apply(at(11, new TaskEvent.StepStarted("s", "main", "text.summarize", "a1", 1)))
        .apply(at(12, new TaskEvent.StepEscalated("s", "a1", 1, "stuck", Usage.NONE, 1)))
        .apply(at(12, new TaskEvent.TaskEscalated("agent a1 asks for a human: stuck")));

    TaskState guided = escalated.apply(at(13, new TaskEvent.GuidanceGiven("it is Finnish", List.of("s"))));
    assertEquals(TaskStatus.RUNNING, guided.status());
    assertNull(guided.error());
    assertEquals(List.of("it is Finnish"), guided.guidance());
    StepState step = guided.steps().get(0);
    assertEquals(StepStatus.PENDING, step.status());
    assertEquals(1, step.attempts(), "the next attempt is the second");
    assertNull(step.error());

    TaskState more = guided.apply(at(14, new TaskEvent.GuidanceGiven("keep it short", List.of())));
    assertEquals(List.of("it is Finnish", "keep it short"), more.guidance());
    assertEquals(TaskStatus.RUNNING, more.status());
    assertEquals(StepStatus.PENDING, more.steps().get(0).status());
  }

  @Test
  void aResumedRunGetsAFreshRetryBudgetAndAnApprovalElsewhereKeepsTheTaskWaiting() {
    TaskState state = submitted()
        .apply(at(10, new TaskEvent.StepPlanned("s2", "bill", "billing.start", INPUT, null, null)))
        .apply(at(11, new TaskEvent.StepStarted("s", "main", "text.summarize", "a1", 1)))
        .apply(at(11, new TaskEvent.StepStarted("s2", "bill", "billing.start", "b1", 1)))
        .apply(at(12, new TaskEvent.StepFailed("s", "a1", 1, "503", true, true, Usage.NONE, 1)))
        .apply(at(13, new TaskEvent.StepStarted("s", "main", "text.summarize", "a2", 2)))
        .apply(at(14, new TaskEvent.StepEscalated("s", "a2", 2, "stuck", Usage.NONE, 1)))
        .apply(at(14, new TaskEvent.TaskEscalated("stuck")))
        .apply(at(15, new TaskEvent.ApprovalRequested("apr_1", "s2", "b1", 1, "billing.trigger", OUTPUT, false, "why",
            Instant.ofEpochSecond(99), Usage.NONE, 1)));
    assertEquals(2, state.step("s").orElseThrow().attemptsSinceResumed());

    TaskState guided = state.apply(at(16, new TaskEvent.GuidanceGiven("try again", List.of("s"))));
    assertEquals(TaskStatus.WAITING_APPROVAL, guided.status(), "the approval is still what the task waits for");
    StepState resumed = guided.step("s").orElseThrow();
    assertEquals(StepStatus.PENDING, resumed.status());
    assertEquals(2, resumed.attempts());
    assertEquals(0, resumed.attemptsSinceResumed());
    assertEquals(List.of("a1"), resumed.failedAgents());
  }

  @Test
  void guidanceForARunningTaskChangesNoStep() {
    TaskState running = submitted().apply(at(11, new TaskEvent.StepStarted("s", "main", "text.summarize", "a1", 1)));
    TaskState guided = running.apply(at(12, new TaskEvent.GuidanceGiven("cite sources", List.of())));
    assertEquals(running.steps(), guided.steps());
    assertEquals(TaskStatus.RUNNING, guided.status());
    assertEquals(List.of("cite sources"), guided.guidance());
  }

  @Test
  void aFinalFailureEndsTheStepAndTheTask() {
    TaskState state = submitted()
        .apply(at(11, new TaskEvent.StepStarted("s", "main", "text.summarize", "a1", 1)))
        .apply(at(12, new TaskEvent.StepFailed("s", "a1", 1, "bad input", false, false, Usage.NONE, 1)))
        .apply(at(13, new TaskEvent.TaskFailed("step main failed: bad input", Usage.NONE)));
    assertEquals(StepStatus.FAILED, state.steps().get(0).status());
    assertEquals(Instant.ofEpochSecond(12), state.steps().get(0).endedAt());
    assertEquals(TaskStatus.FAILED, state.status());
    assertEquals("step main failed: bad input", state.error());
  }

  @Test
  void theChildrenAStopMustReachAreTheDelegationsAndTheWorkflowSubtasks() {
    TaskState state = submitted()
        .apply(at(11, new TaskEvent.ChildTaskStarted("s", "tsk_delegated")))
        .apply(at(11, new TaskEvent.ChildTaskStarted("s", "tsk_delegated"))) // told twice: once
        .apply(at(12, new TaskEvent.StepPlanned("w", "sub", null, INPUT, null, null, "child-flow")))
        .apply(at(12, new TaskEvent.StepStarted("w", "sub", null, "task:tsk_subtask", 1)));
    assertEquals(java.util.List.of("tsk_delegated"), state.children());
    assertEquals(java.util.List.of("tsk_delegated", "tsk_subtask"), state.childTaskIds());
  }
}
