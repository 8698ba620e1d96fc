package dev.troupe.runtime.task;

import static dev.troupe.runtime.workflow.Workflow.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.approval.ApprovalStatus;
import dev.troupe.runtime.workflow.Condition;
import dev.troupe.runtime.workflow.JoinPolicy;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.sdk.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a workflow task does next, decided from its state alone. */
class WorkflowPlannerTest {
  private long seq;
  private TaskState state;

  private void start(WorkflowDefinition definition, String input) {
    state = TaskState.empty("t");
    apply(new TaskEvent.TaskSubmitted("t", "acme", null, definition.name(), 1, null, null, json(input), null, null,
        null, Priority.NORMAL, Map.of(), "h"));
    apply(new TaskEvent.WorkflowPinned(definition.name(), 1, definition));
  }

  private void apply(DomainEvent... events) {
    for (DomainEvent event : events) {
      seq++;
      state = state.apply(new JournalEntry(new AuditStamp(seq, Instant.ofEpochSecond(seq), AuditActor.system("test"),
          "trace", "t", "p", "h" + seq), event));
    }
  }

  /** Asks the planner and applies what it decides, as the entity does. */
  private List<TaskEvent> next() {
    List<TaskEvent> decided = WorkflowPlanner.next(state);
    decided.forEach(this::apply);
    return decided;
  }

  private void completes(String stepId, String output) {
    apply(new TaskEvent.StepStarted(stepId, "x", "c", "agent-1", 1),
        new TaskEvent.StepCompleted(stepId, "agent-1", 1, json(output), 1.0, Usage.NONE, 1));
  }

  private void fails(String stepId, String reason) {
    apply(new TaskEvent.StepStarted(stepId, "x", "c", "agent-1", 1),
        new TaskEvent.StepFailed(stepId, "agent-1", 1, reason, false, false, Usage.NONE, 1));
  }

  private static List<String> kinds(List<TaskEvent> events) {
    return events.stream().map(e -> e.getClass().getSimpleName() + (e instanceof TaskEvent.StepPlanned p
        ? " " + p.stepId() : e instanceof TaskEvent.StepSkipped s ? " " + s.stepId()
        : e instanceof TaskEvent.StepCancelled c ? " " + c.stepId() : "")).toList();
  }

  private JsonNode plannedInput(List<TaskEvent> events, int i) {
    return ((TaskEvent.StepPlanned) events.get(i)).input();
  }

  @Test
  void aSequentialPipelinePassesOutputsAlong() {
    start(Workflow.builder("pipe")
        .step("a", "x.a").input("{\"text\": \"${input.text}\"}").done()
        .step("b", "x.b").after("a").input("{\"summary\": \"${steps.a.output.summary}\"}").done()
        .build(), "{\"text\": \"hello\"}");
    List<TaskEvent> first = next();
    assertEquals(List.of("StepPlanned t.a"), kinds(first));
    assertEquals(json("{\"text\": \"hello\"}"), plannedInput(first, 0));
    assertEquals(List.of(), next(), "nothing more until a is done");
    completes("t.a", "{\"summary\": \"hi\"}");
    List<TaskEvent> second = next();
    assertEquals(json("{\"summary\": \"hi\"}"), plannedInput(second, 0));
    completes("t.b", "{\"done\": true}");
    List<TaskEvent> last = next();
    assertEquals(new TaskEvent.TaskCompleted(json("{\"done\": true}"), Usage.NONE), last.get(0));
    assertEquals(TaskStatus.COMPLETED, state.status());
  }

  @Test
  void independentStepsRunInParallelAndTheJoinWaitsForBoth() {
    start(Workflow.builder("par")
        .step("a", "x.a").done().step("b", "x.b").done()
        .step("c", "x.c").after("a", "b").done().build(), "{}");
    assertEquals(List.of("StepPlanned t.a", "StepPlanned t.b"), kinds(next()));
    completes("t.a", "{}");
    assertEquals(List.of(), next());
    completes("t.b", "{}");
    assertEquals(List.of("StepPlanned t.c"), kinds(next()));
  }

  @Test
  void aFalseConditionSkipsTheBranchAndWhatFollowsIt() {
    start(Workflow.builder("branch")
        .step("check", "x.check").done()
        .step("letter", "x.letter").after("check")
            .when(Condition.equalTo("steps.check.output.approved", BooleanNode.TRUE)).done()
        .step("crm", "x.crm").after("letter").done()
        .output("{\"approved\": \"${steps.check.output.approved}\"}")
        .build(), "{}");
    next();
    completes("t.check", "{\"approved\": false}");
    List<TaskEvent> decided = next();
    assertEquals(List.of("StepSkipped t.letter", "StepSkipped t.crm", "TaskCompleted"), kinds(decided));
    assertEquals("its condition steps.check.output.approved == true was false",
        ((TaskEvent.StepSkipped) decided.get(0)).reason());
    assertEquals(json("{\"approved\": false}"), state.output());
  }

  @Test
  void aMergeAfterAlternativeBranchesRunsWhenTheBranchTakenCompletedAndIsSkippedOnlyIfAllWere() {
    WorkflowDefinition definition = Workflow.builder("merge")
        .step("check", "x.check").done()
        .step("approve", "x.letter").after("check")
            .when(Condition.equalTo("steps.check.output.approved", BooleanNode.TRUE)).done()
        .step("decline", "x.letter").after("check")
            .when(Condition.equalTo("steps.check.output.approved", BooleanNode.FALSE)).done()
        .step("file", "x.crm").after("approve", "decline").done()
        .build();
    start(definition, "{}");
    next();
    completes("t.check", "{\"approved\": false}");
    assertEquals(List.of("StepSkipped t.approve", "StepPlanned t.decline"), kinds(next()));
    completes("t.decline", "{\"sent\": true}");
    assertEquals(List.of("StepPlanned t.file"), kinds(next()), "the branch taken completed: the merge runs");

    Workflow.Builder neither = Workflow.builder("neither")
        .step("check", "x.check").done()
        .step("approve", "x.letter").after("check")
            .when(Condition.equalTo("steps.check.output.approved", BooleanNode.TRUE)).done()
        .step("escalate", "x.letter").after("check")
            .when(Condition.equalTo("steps.check.output.unsure", BooleanNode.TRUE)).done()
        .step("file", "x.crm").after("approve", "escalate").done();
    start(neither.build(), "{}");
    next();
    completes("t.check", "{\"approved\": false, \"unsure\": false}");
    List<TaskEvent> decided = next();
    assertEquals(List.of("StepSkipped t.approve", "StepSkipped t.escalate", "StepSkipped t.file", "TaskCompleted"),
        kinds(decided));
    assertEquals("skipped because every step it waits for was skipped (approve, escalate)",
        ((TaskEvent.StepSkipped) decided.get(2)).reason());
  }

  @Test
  void aFanOutRunsOncePerElementAndFansInTheOutputs() {
    start(Workflow.builder("fan")
        .step("draft", "x.draft").forEach("${input.contacts}", "contact", JoinPolicy.ALL, null)
            .input("{\"to\": \"${contact}\"}").done()
        .step("report", "x.report").after("draft").input("{\"all\": \"${steps.draft.output.items}\"}").done()
        .build(), "{\"contacts\": [\"a@x.test\", \"b@x.test\"]}");
    List<TaskEvent> fan = next();
    assertEquals(List.of("StepPlanned t.draft[0]", "StepPlanned t.draft[1]"), kinds(fan));
    assertEquals(json("{\"to\": \"b@x.test\"}"), plannedInput(fan, 1));
    completes("t.draft[1]", "{\"n\": 1}");
    assertEquals(List.of(), next());
    completes("t.draft[0]", "{\"n\": 0}");
    List<TaskEvent> report = next();
    assertEquals(json("{\"all\": [{\"n\": 0}, {\"n\": 1}]}"), plannedInput(report, 0), "in element order");
  }

  private void proposes(String stepId) {
    apply(new TaskEvent.StepStarted(stepId, "x", "c", "agent-1", 1),
        new TaskEvent.ApprovalRequested("apr_" + stepId, stepId, "agent-1", 1, "email.send", json("{}"), false, "why",
            Instant.ofEpochSecond(9999), Usage.NONE, 1));
  }

  @Test
  void aRejectedRunSkippedByItsPolicyIsLeftOutOfTheJoin() {
    start(Workflow.builder("send")
        .step("send", "x.send").forEach("${input.contacts}", "contact", JoinPolicy.ALL, null)
            .onReject(dev.troupe.runtime.workflow.RejectPolicy.SKIP).done()
        .step("report", "x.report").after("send").input("{\"sent\": \"${steps.send.output.items}\"}").done()
        .build(), "{\"contacts\": [\"a@x.test\", \"b@x.test\"]}");
    next();
    proposes("t.send[0]");
    proposes("t.send[1]");
    apply(new TaskEvent.ApprovalGranted("apr_t.send[0]", "t.send[0]", null));
    apply(new TaskEvent.StepCompleted("t.send[0]", "agent-1", 1, json("{\"sent\": \"a\"}"), 1.0, Usage.NONE, 1));
    assertEquals(List.of(), next(), "still waiting for the other approval");
    apply(new TaskEvent.ApprovalRejected("apr_t.send[1]", "t.send[1]", "not this one",
        dev.troupe.runtime.workflow.RejectPolicy.SKIP));
    assertEquals(TaskStatus.RUNNING, state.status());
    assertEquals(StepStatus.SKIPPED, state.step("t.send[1]").orElseThrow().status());
    List<TaskEvent> report = next();
    assertEquals(List.of("StepPlanned t.report"), kinds(report));
    assertEquals(json("{\"sent\": [{\"sent\": \"a\"}]}"), plannedInput(report, 0));
  }

  @Test
  void anApprovalInOneBranchDoesNotHideAnEscalationInAnother() {
    start(Workflow.builder("two")
        .step("a", "x.a").done()
        .step("b", "x.b").done()
        .build(), "{}");
    next();
    apply(new TaskEvent.StepStarted("t.b", "b", "x.b", "agent-1", 1),
        new TaskEvent.StepEscalated("t.b", "agent-1", 1, "stuck", Usage.NONE, 1),
        new TaskEvent.TaskEscalated("stuck"));
    proposes("t.a");
    assertEquals(TaskStatus.ESCALATED, state.status(), "still waiting for guidance");
    apply(new TaskEvent.ApprovalGranted("apr_t.a", "t.a", null));
    assertEquals(TaskStatus.ESCALATED, state.status());
    apply(new TaskEvent.StepCompleted("t.a", "agent-1", 1, json("{}"), 1.0, Usage.NONE, 1));
    assertEquals(List.of(), next(), "nothing moves until a human guides b");
  }

  @Test
  void cancellingTheLastRunThatWaitedForApprovalLetsTheTaskRunAgain() {
    start(Workflow.builder("race")
        .step("quote", "x.quote").forEach("${input.vendors}", "vendor", JoinPolicy.ANY, null).done()
        .build(), "{\"vendors\": [\"a\", \"b\"]}");
    next();
    proposes("t.quote[1]");
    assertEquals(TaskStatus.WAITING_APPROVAL, state.status());
    apply(new TaskEvent.StepCancelled("t.quote[1]", "the fan-out was joined"));
    assertEquals(TaskStatus.RUNNING, state.status());
    assertEquals(ApprovalStatus.WITHDRAWN, state.approval("apr_t.quote[1]").orElseThrow().status());
  }

  @Test
  void aRejectionWithTheContinuePolicyLetsALaterConditionTakeTheOtherBranch() {
    start(Workflow.builder("bill")
        .step("bill", "x.bill").onReject(dev.troupe.runtime.workflow.RejectPolicy.CONTINUE).done()
        .step("thank", "x.thank").after("bill").when(Condition.equalTo("steps.bill.output.approved", BooleanNode.TRUE))
            .done()
        .step("apologise", "x.sorry").after("bill")
            .when(Condition.equalTo("steps.bill.output.approved", BooleanNode.FALSE)).done()
        .build(), "{}");
    next();
    proposes("t.bill");
    apply(new TaskEvent.ApprovalRejected("apr_t.bill", "t.bill", "no", dev.troupe.runtime.workflow.RejectPolicy.CONTINUE));
    assertEquals(List.of("StepSkipped t.thank", "StepPlanned t.apologise"), kinds(next()));
  }

  @Test
  void anAnyJoinIsDoneWithTheFirstAndCancelsTheRest() {
    start(Workflow.builder("race")
        .step("quote", "x.quote").forEach("${input.vendors}", "vendor", JoinPolicy.ANY, null).done()
        .build(), "{\"vendors\": [\"v1\", \"v2\", \"v3\"]}");
    next();
    completes("t.quote[2]", "{\"price\": 3}");
    List<TaskEvent> decided = next();
    assertEquals(List.of("StepCancelled t.quote[0]", "StepCancelled t.quote[1]", "TaskCompleted"), kinds(decided));
    assertEquals(json("{\"items\": [{\"price\": 3}]}"), state.output());
  }

  @Test
  void aFailedRunOfAnAllJoinMeansTheTaskCannotFinishEvenWhileItWaitsForAHuman() {
    start(Workflow.builder("mail")
        .step("draft", "x.draft").forEach("${input.contacts}", "contact", JoinPolicy.ALL, null).done()
        .build(), "{\"contacts\": [\"a\", \"b\"]}");
    next();
    apply(new TaskEvent.StepStarted("t.draft[0]", "draft", "x.draft", "agent-1", 1),
        new TaskEvent.StepEscalated("t.draft[0]", "agent-1", 1, "stuck", Usage.NONE, 1),
        new TaskEvent.TaskEscalated("stuck"));
    assertFalse(WorkflowPlanner.cannotFinish(state));
    fails("t.draft[1]", "bounced");
    assertEquals(List.of(), next(), "the planner waits while the task is escalated");
    assertTrue(WorkflowPlanner.cannotFinish(state));
  }

  @Test
  void anAnyJoinSurvivesAFailedRun() {
    start(Workflow.builder("race")
        .step("quote", "x.quote").forEach("${input.vendors}", "vendor", JoinPolicy.ANY, null).done()
        .build(), "{\"vendors\": [\"v1\", \"v2\"]}");
    next();
    fails("t.quote[0]", "no stock");
    assertFalse(WorkflowPlanner.cannotFinish(state));
    fails("t.quote[1]", "no stock");
    assertTrue(WorkflowPlanner.cannotFinish(state));
  }

  @Test
  void aQuorumFailsWhenItCanNoLongerBeMet() {
    start(Workflow.builder("vote")
        .step("review", "x.review").forEach("${input.reviewers}", "who", JoinPolicy.QUORUM, 2).done()
        .build(), "{\"reviewers\": [\"r1\", \"r2\", \"r3\"]}");
    next();
    fails("t.review[0]", "no answer");
    completes("t.review[1]", "{}");
    assertEquals(List.of(), next(), "two more could still make the quorum");
    assertFalse(WorkflowPlanner.cannotFinish(state));
    fails("t.review[2]", "declined");
    assertTrue(WorkflowPlanner.cannotFinish(state));
    assertEquals(new TaskEvent.TaskFailed("step review failed: 2 of 3 runs failed, quorum of 2 can no longer be met;"
        + " first: no answer", Usage.NONE), next().get(0));
  }

  @Test
  void aLoopRunsUntilItsConditionHolds() {
    start(Workflow.builder("refine")
        .step("draft", "x.draft").loop(Condition.equalTo("steps.draft.output.good", BooleanNode.TRUE), 5)
            .input("{\"previous\": \"${steps.draft.output.text}\"}").done()
        .build(), "{}");
    assertEquals(List.of("StepPlanned t.draft#1"), kinds(next()));
    completes("t.draft#1", "{\"text\": \"v1\", \"good\": false}");
    List<TaskEvent> again = next();
    assertEquals(List.of("StepPlanned t.draft#2"), kinds(again));
    assertEquals(json("{\"previous\": \"v1\"}"), plannedInput(again, 0));
    completes("t.draft#2", "{\"text\": \"v2\", \"good\": true}");
    assertEquals(List.of("TaskCompleted"), kinds(next()));
    assertEquals("v2", state.output().get("text").asText());
  }

  @Test
  void aLoopEndsAtItsMaximum() {
    start(Workflow.builder("bounded")
        .step("draft", "x.draft").loop(Condition.equalTo("steps.draft.output.good", BooleanNode.TRUE), 2)
            .input("{\"previous\": \"${steps.draft.output.text}\"}").done()
        .build(), "{}");
    next();
    completes("t.draft#1", "{\"text\": \"v1\", \"good\": false}");
    next();
    completes("t.draft#2", "{\"text\": \"v2\", \"good\": false}");
    assertEquals(List.of("TaskCompleted"), kinds(next()));
  }

  @Test
  void anIdenticalRepeatedCallIsStopped() {
    start(Workflow.builder("stuck")
        .step("poll", "x.poll").loop(Condition.equalTo("steps.poll.output.ready", BooleanNode.TRUE), 10)
            .input("{\"job\": \"${input.job}\"}").done()
        .build(), "{\"job\": 7}");
    next();
    completes("t.poll#1", "{\"ready\": false}");
    assertEquals(new TaskEvent.TaskFailed("step poll: run 2 would repeat the identical call of run 1; stopped",
        Usage.NONE), next().get(0));
  }

  @Test
  void aFailedStepFailsTheTask() {
    start(Workflow.builder("one").step("a", "x.a").done().step("b", "x.b").after("a").done().build(), "{}");
    next();
    fails("t.a", "bad input");
    assertEquals(new TaskEvent.TaskFailed("step a failed: bad input", Usage.NONE), next().get(0));
    assertEquals(List.of(), next(), "a finished task plans nothing");
  }

  @Test
  void aTaskWaitingForAHumanPlansNothing() {
    start(Workflow.builder("w").step("a", "x.a").done().step("b", "x.b").done().build(), "{}");
    next();
    apply(new TaskEvent.StepStarted("t.a", "a", "x.a", "agent-1", 1),
        new TaskEvent.ApprovalRequested("apr", "t.a", "agent-1", 1, "email.send", json("{}"), false, "why",
            Instant.EPOCH, Usage.NONE, 1));
    completes("t.b", "{}");
    assertEquals(List.of(), next());
    assertTrue(state.status() == TaskStatus.WAITING_APPROVAL);
  }

  private WorkflowDefinition supervised() {
    return Workflow.builder("supervised")
        .step("plan", "x.plan").plans().input("{\"goal\": \"${input.goal}\"}").done()
        .step("combine", "x.combine").after("plan").input("{\"results\": \"${steps.plan.output.results}\"}").done()
        .build();
  }

  @Test
  void aPlannersSubtasksRunWhereThePlanAllowsAndAnAggregatorCombinesThem() {
    start(supervised(), "{\"goal\": \"brief me\"}");
    assertEquals(List.of("StepPlanned t.plan"), kinds(next()));
    completes("t.plan", "{\"subtasks\": ["
        + "{\"id\": \"a\", \"capability\": \"x.research\", \"input\": {\"company\": \"Acme\"}},"
        + "{\"id\": \"b\", \"capability\": \"x.research\", \"input\": {\"company\": \"Initech\"}},"
        + "{\"id\": \"c\", \"workflow\": \"deep-dive@2\", \"after\": [\"a\"],"
        + " \"input\": {\"profile\": \"${subtasks.a.output.profile}\"}}]}");
    List<TaskEvent> first = next();
    assertEquals(List.of("StepPlanned t.plan/a", "StepPlanned t.plan/b"), kinds(first), "c waits for a");
    completes("t.plan/a", "{\"profile\": \"anvils\"}");
    List<TaskEvent> second = next();
    assertEquals(List.of("StepPlanned t.plan/c"), kinds(second));
    TaskEvent.StepPlanned child = (TaskEvent.StepPlanned) second.get(0);
    assertEquals("deep-dive@2", child.workflow());
    assertEquals(null, child.capability());
    assertEquals(json("{\"profile\": \"anvils\"}"), child.input());
    completes("t.plan/b", "{\"profile\": \"software\"}");
    assertEquals(List.of(), next());
    completes("t.plan/c", "{\"depth\": 3}");
    List<TaskEvent> combine = next();
    assertEquals(json("{\"results\": {\"a\": {\"profile\": \"anvils\"}, \"b\": {\"profile\": \"software\"},"
        + " \"c\": {\"depth\": 3}}}"), plannedInput(combine, 0));
  }

  @Test
  void anInvalidPlanFailsTheTaskSayingWhy() {
    start(supervised(), "{}");
    next();
    completes("t.plan", "{\"subtasks\": [{\"id\": \"a\", \"capability\": \"x.y\", \"after\": [\"b\"]}]}");
    assertEquals(new TaskEvent.TaskFailed("step plan failed: the plan is invalid: subtasks[0].after: unknown subtask 'b'",
        Usage.NONE), next().get(0));
  }

  @Test
  void aFailedSubtaskFailsThePlanningStep() {
    start(supervised(), "{}");
    next();
    completes("t.plan", "{\"subtasks\": [{\"id\": \"a\", \"capability\": \"x.y\"}]}");
    next();
    fails("t.plan/a", "no such company");
    assertEquals(new TaskEvent.TaskFailed("step plan failed: subtask a failed: no such company", Usage.NONE),
        next().get(0));
  }
}
