package dev.troupe.runtime;

import static dev.troupe.runtime.workflow.Workflow.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.persistence.VerifyReport;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.StepStatus;
import dev.troupe.runtime.task.TaskClient;
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
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.StepOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every workflow pattern, end to end, through the real journal (H2 files). */
class WorkflowPatternsIT {
  @TempDir
  static Path dataDir;
  private static EmbeddedNode node;
  private static final AuditActor TESTER = AuditActor.human("tester");

  /** Echoes its input with done=true; "hang": true never answers. */
  static Agent worker() {
    return TestModels.agent("worker", "work.do", step -> step.input().path("hang").asBoolean(false)
        ? new CompletableFuture<>()
        : CompletableFuture.completedFuture(StepOutcome.completed(
            ((ObjectNode) step.input().deepCopy()).put("done", true), 1.0)));
  }

  /** Approves a score above 5. */
  static Agent judge() {
    return TestModels.agent("judge", "work.judge", step -> CompletableFuture.completedFuture(StepOutcome.completed(
        json("{\"approved\": " + (step.input().path("score").asInt() > 5) + "}"), 1.0)));
  }

  /** Adds a '+' to its text; good once the text has three of them. */
  static Agent refiner() {
    return TestModels.agent("refiner", "work.refine", step -> {
      String text = step.input().path("previous").asText("") + "+";
      return CompletableFuture.completedFuture(StepOutcome.completed(
          json("{\"text\": \"" + text + "\", \"good\": " + (text.length() >= 3) + "}"), 1.0));
    });
  }

  /** Plans: two capability subtasks in parallel, then a child workflow after the first. */
  static Agent planner() {
    return TestModels.agent("planner", "work.plan", step -> CompletableFuture.completedFuture(StepOutcome.completed(
        json("{\"subtasks\": ["
            + "{\"id\": \"first\", \"capability\": \"work.do\", \"input\": {\"part\": 1}},"
            + "{\"id\": \"second\", \"capability\": \"work.do\", \"input\": {\"part\": 2}},"
            + "{\"id\": \"deeper\", \"workflow\": \"child-flow\", \"after\": [\"first\"],"
            + " \"input\": {\"from\": \"${subtasks.first.output.part}\"}}]}"), 1.0)));
  }

  @BeforeAll
  static void start() throws Exception {
    node = EmbeddedNode.start(dataDir, List.of(worker(), judge(), refiner(), planner()),
        "troupe.tasks.step-timeout = 20s");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static int register(WorkflowDefinition definition) throws Exception {
    return node.runtime.workflows().register(definition, TESTER).toCompletableFuture().get(10, TimeUnit.SECONDS)
        .version();
  }

  private static String run(String workflow, Integer version, String input, java.time.Duration deadline)
      throws Exception {
    PinnedWorkflow pinned = node.runtime.workflows().resolve(workflow, version).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).orElseThrow();
    String taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
    TaskRequest request = new TaskRequest("default", null, pinned, null, null, json(input), null, deadline, null,
        Map.of(), "h");
    node.runtime.tasks().submit(taskId, request, TESTER, "trace").toCompletableFuture().get(10, TimeUnit.SECONDS);
    return taskId;
  }

  static TaskState await(EmbeddedNode on, String taskId, Predicate<TaskState> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    TaskState state = null;
    while (System.nanoTime() < deadline) {
      var reply = on.runtime.tasks().get(taskId).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (reply instanceof TaskEntity.Found found) {
        state = found.task();
        if (done.test(state)) {
          return state;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not reached: " + state);
  }

  private static VerifyReport verify(String taskId) throws Exception {
    return node.runtime.audit().verify(TaskClient.persistenceId(taskId)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void sequentialParallelConditionalAndLoopStepsRunToCompletion() throws Exception {
    register(Workflow.builder("all-patterns")
        .step("score", "work.judge").input("{\"score\": \"${input.score}\"}").done()
        .step("fan", "work.do").after("score").forEach("${input.items}", "item", JoinPolicy.ALL, null)
            .input("{\"item\": \"${item}\"}").done()
        .step("approved-path", "work.do").after("score", "fan")
            .when(Condition.equalTo("steps.score.output.approved", BooleanNode.TRUE))
            .input("{\"count\": \"${steps.fan.output.items}\"}").done()
        .step("refine", "work.refine").after("approved-path")
            .loop(Condition.equalTo("steps.refine.output.good", BooleanNode.TRUE), 5)
            .input("{\"previous\": \"${steps.refine.output.text}\"}").done()
        .output("{\"items\": \"${steps.fan.output.items}\", \"final\": \"${steps.refine.output.text}\"}")
        .build());
    String taskId = run("all-patterns", null, "{\"score\": 9, \"items\": [\"x\", \"y\"]}", null);
    TaskState done = await(node, taskId, s -> s.status().isFinal());
    assertEquals(TaskStatus.COMPLETED, done.status(), String.valueOf(done.error()));
    assertEquals(json("{\"items\": [{\"item\": \"x\", \"done\": true}, {\"item\": \"y\", \"done\": true}],"
        + " \"final\": \"+++\"}"), done.output());
    assertEquals(List.of("score", "fan", "fan", "approved-path", "refine", "refine", "refine"),
        done.steps().stream().map(s -> s.name()).toList());
    assertTrue(verify(taskId).ok());

    String rejected = run("all-patterns", null, "{\"score\": 2, \"items\": []}", null);
    TaskState skipped = await(node, rejected, s -> s.status().isFinal());
    assertEquals(TaskStatus.COMPLETED, skipped.status());
    assertEquals(List.of(StepStatus.COMPLETED, StepStatus.SKIPPED, StepStatus.SKIPPED, StepStatus.SKIPPED),
        skipped.steps().stream().map(s -> s.status()).toList());
  }

  @Test
  void anAnyJoinFinishesWithTheFirstRunAndCancelsTheOthers() throws Exception {
    register(Workflow.builder("race").step("try", "work.do")
        .forEach("${input.options}", "option", JoinPolicy.ANY, null).input("\"${option}\"").done().build());
    String taskId = run("race", null, "{\"options\": [{\"hang\": true}, {\"pick\": 2}, {\"hang\": true}]}", null);
    TaskState done = await(node, taskId, s -> s.status().isFinal());
    assertEquals(json("{\"items\": [{\"pick\": 2, \"done\": true}]}"), done.output());
    assertEquals(List.of(StepStatus.CANCELLED, StepStatus.COMPLETED, StepStatus.CANCELLED),
        done.steps().stream().map(s -> s.status()).toList());
  }

  @Test
  void tasksPinTheirVersionAndARollbackChangesOnlyNewTasks() throws Exception {
    int v1 = register(Workflow.builder("versioned").step("a", "work.do").input("{\"v\": 1}").done().build());
    int v2 = register(Workflow.builder("versioned").step("a", "work.do").input("{\"v\": 2}").done().build());
    assertEquals(v1 + 1, v2);
    assertEquals(v2, register(Workflow.builder("versioned").step("a", "work.do").input("{\"v\": 2}").done().build()),
        "registering the latest again adds no version");

    String onV2 = run("versioned", null, "{}", null);
    String onV1 = run("versioned", v1, "{}", null);
    var rolled = node.runtime.workflows().rollback("versioned", v1, TESTER).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(v1, ((WorkflowEntity.RolledBack) rolled).workflow().current());
    String afterRollback = run("versioned", null, "{}", null);

    assertEquals(2, await(node, onV2, s -> s.status().isFinal()).output().get("v").asInt());
    assertEquals(1, await(node, onV1, s -> s.status().isFinal()).output().get("v").asInt());
    TaskState rolledBack = await(node, afterRollback, s -> s.status().isFinal());
    assertEquals(1, rolledBack.output().get("v").asInt());
    assertEquals(v1, rolledBack.workflowVersion());
  }

  @Test
  void aCancelledTaskStopsItsRunningStepsAndSaysWhy() throws Exception {
    register(Workflow.builder("stuck").step("wait", "work.do").input("{\"hang\": true}").done().build());
    String taskId = run("stuck", null, "{}", null);
    await(node, taskId, s -> s.steps().stream().anyMatch(step -> step.status() == StepStatus.RUNNING));
    var reply = node.runtime.tasks().cancel(taskId, "no longer needed", TESTER).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    TaskState cancelled = ((TaskEntity.Cancelled) reply).task();
    assertEquals(TaskStatus.CANCELLED, cancelled.status());
    assertEquals("no longer needed", cancelled.error());
    assertEquals(StepStatus.CANCELLED, cancelled.steps().get(0).status());
    var again = node.runtime.tasks().cancel(taskId, "twice", TESTER).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertTrue(again instanceof TaskEntity.AlreadyFinished);
    List<StoredEntry> journal = node.runtime.audit().entries(TaskClient.persistenceId(taskId)).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertEquals(TESTER, journal.get(journal.size() - 1).entry().stamp().actor(), "the journal says who cancelled");
    assertTrue(journal.get(journal.size() - 1).entry().event() instanceof TaskEvent.TaskCancelled);
  }

  @Test
  void aTaskPastItsDeadlineFailsAndStopsItsSteps() throws Exception {
    register(Workflow.builder("slow").step("wait", "work.do").input("{\"hang\": true}").done().build());
    String taskId = run("slow", null, "{}", Duration.ofMillis(800));
    TaskState failed = await(node, taskId, s -> s.status().isFinal());
    assertEquals(TaskStatus.FAILED, failed.status());
    assertEquals("the task's deadline of PT0.8S passed", failed.error());
    assertEquals(StepStatus.CANCELLED, failed.steps().get(0).status());
  }

  @Test
  void aWorkflowInterruptedMidFanOutFinishesAfterARestartWithEachRunOnce(@TempDir Path other) throws Exception {
    WorkflowDefinition fan = Workflow.builder("fan-restart").step("each", "work.do")
        .forEach("${input.items}", "item", JoinPolicy.ALL, null).input("{\"item\": \"${item}\"}").done().build();
    Agent hangingWorker = TestModels.agent("worker", "work.do", step -> new CompletableFuture<>());
    String taskId = "tsk_fan_restart";
    try (EmbeddedNode first = EmbeddedNode.start(other, List.of(hangingWorker), "")) {
      first.runtime.workflows().register(fan, TESTER).toCompletableFuture().get(10, TimeUnit.SECONDS);
      PinnedWorkflow pinned = first.runtime.workflows().resolve("fan-restart", null).toCompletableFuture()
          .get(10, TimeUnit.SECONDS).orElseThrow();
      first.runtime.tasks().submit(taskId, new TaskRequest("default", null, pinned, null, null,
          json("{\"items\": [1, 2, 3]}"), null, null, null, Map.of(), "h"), TESTER, "trace")
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      await(first, taskId, s -> s.steps().size() == 3
          && s.steps().stream().allMatch(step -> step.status() == StepStatus.RUNNING));
    }
    try (EmbeddedNode second = EmbeddedNode.start(other, List.of(worker()), "")) {
      TaskState done = await(second, taskId, s -> s.status().isFinal());
      assertEquals(TaskStatus.COMPLETED, done.status());
      List<StoredEntry> journal = second.runtime.audit().entries(TaskClient.persistenceId(taskId))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      for (String run : List.of(taskId + ".each[0]", taskId + ".each[1]", taskId + ".each[2]")) {
        assertEquals(1, journal.stream().filter(e -> e.entry().event() instanceof TaskEvent.StepCompleted c
            && c.stepId().equals(run)).count(), run + " completed once");
      }
      assertTrue(second.runtime.audit().verify(TaskClient.persistenceId(taskId)).toCompletableFuture()
          .get(10, TimeUnit.SECONDS).ok());
    }
  }

  @Test
  void aPlannerDecomposesTheGoalAndASubtaskCanBeAChildWorkflow() throws Exception {
    register(Workflow.builder("child-flow").step("inner", "work.do").input("{\"inner\": \"${input.from}\"}").done()
        .build());
    register(Workflow.builder("supervised").description("plan, run the plan, combine")
        .step("plan", "work.plan").plans().input("{\"goal\": \"${input.goal}\"}").done()
        .step("combine", "work.do").after("plan").input("{\"combined\": \"${steps.plan.output.results}\"}").done()
        .build());
    String taskId = run("supervised", null, "{\"goal\": \"everything\"}", null);
    TaskState done = await(node, taskId, s -> s.status().isFinal());
    assertEquals(TaskStatus.COMPLETED, done.status(), String.valueOf(done.error()));
    assertEquals(json("{\"combined\": {"
        + "\"first\": {\"part\": 1, \"done\": true},"
        + "\"second\": {\"part\": 2, \"done\": true},"
        + "\"deeper\": {\"inner\": 1, \"done\": true}}, \"done\": true}"), done.output());
    assertEquals(List.of("plan", "plan/first", "plan/second", "plan/deeper", "combine"),
        done.steps().stream().map(s -> s.name()).toList());

    String childId = TaskEntity.childTaskId(taskId + ".plan/deeper");
    assertEquals("task:" + childId, done.steps().get(3).agentId());
    TaskState child = await(node, childId, s -> s.status().isFinal());
    assertEquals(taskId, child.parentTaskId(), "the child names its parent");
    assertEquals("child-flow", child.workflow());
    assertTrue(verify(childId).ok(), "the child has its own journal");
    assertTrue(verify(taskId).ok());
  }

  @Test
  void aWorkflowWithATriggerStartsWhenATaskOfTheSourceWorkflowCompletes() throws Exception {
    register(Workflow.builder("source-flow").step("make", "work.do").input("{\"made\": \"${input.what}\"}").done()
        .build());
    register(Workflow.builder("follow-up")
        .triggeredBy("TaskCompleted", "source-flow", "{\"previous\": \"${event.output.made}\", \"from\": \"${event.taskId}\"}")
        .step("react", "work.do").input("{\"reacting-to\": \"${input.previous}\"}").done()
        .build());
    String sourceId = run("source-flow", null, "{\"what\": \"anvil\"}", null);
    await(node, sourceId, s -> s.status().isFinal());
    String followUp = dev.troupe.runtime.workflow.TriggerRouter.triggeredTaskId("follow-up", sourceId, "TaskCompleted");
    TaskState triggered = await(node, followUp, s -> s.status().isFinal());
    assertEquals(TaskStatus.COMPLETED, triggered.status());
    assertEquals(json("{\"previous\": \"anvil\", \"from\": \"" + sourceId + "\"}"), triggered.input());
    assertEquals(json("{\"reacting-to\": \"anvil\", \"done\": true}"), triggered.output());
    assertEquals(sourceId, triggered.labels().get("triggeredBy"));
  }
}
