package dev.troupe.runtime;

import static dev.troupe.runtime.workflow.Workflow.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.runtime.workflow.JoinPolicy;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many tasks, a workflow with side effects, and a node stopped while the tasks hang at different
 * points: during a step, after a tool's intent but before its outcome (for an idempotent and a
 * non-idempotent tool), and while a fan-out waits for its join. A new node on the same journal
 * must finish every task with each effect exactly once, or an explicit in-doubt escalation, and
 * every hash chain intact.
 */
class CrashIT {
  private static final List<String> CRASH_POINTS = List.of("none", "prepare", "post", "join", "notify");
  private static final int TASKS = 12;

  /** Effects by tool and idempotency key: what the outside world saw. */
  private static final Map<String, AtomicInteger> EFFECTS = new ConcurrentHashMap<>();
  private static final AtomicBoolean CRASHING = new AtomicBoolean();
  private static final AtomicInteger HANGING = new AtomicInteger();

  @TempDir
  Path dataDir;

  private static boolean crashesAt(JsonNode input, String point) {
    return CRASHING.get() && point.equals(input.path("crashAt").asText());
  }

  private static <T> CompletableFuture<T> hang() {
    HANGING.incrementAndGet();
    return new CompletableFuture<>();
  }

  /** A tool with an effect in the outside world; idempotent tools apply one effect per key. */
  private static Tool tool(String name, boolean idempotent, String crashPoint) {
    return new Tool() {
      @Override
      public ToolSpec spec() {
        return new ToolSpec(name, "has an effect", json("{\"type\": \"object\"}"), true, idempotent,
            Duration.ofSeconds(60));
      }

      @Override
      public CompletionStage<JsonNode> call(ToolCall call) {
        AtomicInteger count = EFFECTS.computeIfAbsent(name + " " + call.idempotencyKey(), k -> new AtomicInteger());
        if (!idempotent || count.get() == 0) {
          count.incrementAndGet();
        }
        if (crashesAt(call.input(), crashPoint) && call.input().path("item").asInt(0) == 0) {
          return hang(); // the effect happened; its outcome never reaches the journal
        }
        return CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode().put("receipt", call.idempotencyKey()));
      }
    };
  }

  private static Agent agent(String type, String capability, String tool,
      Function<StepContext, CompletionStage<StepOutcome>> logic) {
    AgentDefinition definition = AgentDefinition.builder(type).role("crash test").capability(capability,
        Duration.ofSeconds(5), "0").tools(tool == null ? new String[0] : new String[] {tool})
        .limits(new AgentLimits(100, 10_000, new BigDecimal("100"))).build();
    return Agent.of(definition, logic);
  }

  private static StepOutcome ok(JsonNode output) {
    return StepOutcome.completed(JsonNodeFactory.instance.objectNode().set("result", output), 1.0);
  }

  private static List<Agent> agents() {
    return List.of(
        agent("preparer", "crash.prepare", null, step -> crashesAt(step.input(), "prepare")
            ? hang() : CompletableFuture.completedFuture(ok(step.input()))),
        agent("poster", "crash.post", "ledger.post", step ->
            crashesAt(step.input(), "join") && step.input().path("item").asInt() == 1
                ? hang() // this run never returns: its fan-out waits for the join
                : step.tools().call("ledger.post", step.input()).thenApply(CrashIT::ok)),
        agent("notifier", "crash.notify", "notice.send", step ->
            step.tools().call("notice.send", step.input()).thenApply(CrashIT::ok)));
  }

  private static List<Tool> tools() {
    return List.of(tool("ledger.post", true, "post"), tool("notice.send", false, "notify"));
  }

  @Test
  void everyTaskFinishesWithEachEffectOnceOrAnExplicitInDoubtEscalation() throws Exception {
    var workflow = Workflow.builder("settle")
        .step("prepare", "crash.prepare").input("{\"crashAt\": \"${input.crashAt}\"}").done()
        .step("post", "crash.post").after("prepare").forEach("${input.items}", "item", JoinPolicy.ALL, null)
            .input("{\"item\": \"${item}\", \"crashAt\": \"${input.crashAt}\"}").done()
        .step("notify", "crash.notify").after("post").input("{\"crashAt\": \"${input.crashAt}\"}").done()
        .build();
    List<String> taskIds = new ArrayList<>();
    int expectedHangs = 0;
    CRASHING.set(true);
    try (EmbeddedNode first = EmbeddedNode.start(dataDir, agents(), tools(), "troupe.tasks.step-timeout = 60s")) {
      first.runtime.workflows().register(workflow, AuditActor.system("test")).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      PinnedWorkflow pinned = first.runtime.workflows().resolve("settle", null).toCompletableFuture()
          .get(10, TimeUnit.SECONDS).orElseThrow();
      for (int i = 0; i < TASKS; i++) {
        String crashAt = CRASH_POINTS.get(i % CRASH_POINTS.size());
        expectedHangs += crashAt.equals("none") ? 0 : 1;
        String taskId = "tsk_crash_" + i + "_" + crashAt;
        first.runtime.tasks().submit(taskId, new TaskRequest("default", null, pinned, null, null,
                json("{\"crashAt\": \"" + crashAt + "\", \"items\": [0, 1]}"), null, null, null, Map.of(), "h"),
            AuditActor.human("tester"), "trace-" + i).toCompletableFuture().get(10, TimeUnit.SECONDS);
        taskIds.add(taskId);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (HANGING.get() < expectedHangs && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(expectedHangs, HANGING.get(), "every crashing task reached its crash point");
      // The tasks without a crash point finish before the stop; otherwise the stop itself could
      // interrupt their notify call, and an in-doubt escalation would be the right outcome for them too.
      for (String taskId : taskIds) {
        if (taskId.endsWith("_none")) {
          assertEquals(TaskStatus.COMPLETED, WorkflowPatternsIT.await(first, taskId, s -> s.status().isFinal()).status(),
              taskId);
        }
      }
    } // the node stops here, with the crashing tasks in flight
    CRASHING.set(false);

    try (EmbeddedNode second = EmbeddedNode.start(dataDir, agents(), tools(), "troupe.tasks.step-timeout = 60s")) {
      for (String taskId : taskIds) {
        TaskState state = WorkflowPatternsIT.await(second, taskId,
            s -> s.status().isFinal() || s.status() == TaskStatus.ESCALATED);
        String stepId = taskId + ".notify";
        if (taskId.endsWith("_notify")) {
          assertEquals(TaskStatus.ESCALATED, state.status(), taskId);
          assertTrue(state.error().contains("notice.send is not idempotent: it may or may not have happened"),
              state.error());
        } else {
          assertEquals(TaskStatus.COMPLETED, state.status(), taskId + ": " + state.error());
        }
        assertEquals(1, effects("notice.send", stepId), taskId + " notified exactly once");
        assertEquals(1, effects("ledger.post", taskId + ".post[0]"), taskId + " posted item 0 exactly once");
        assertEquals(1, effects("ledger.post", taskId + ".post[1]"), taskId + " posted item 1 exactly once");
        assertTrue(second.runtime.audit().verify(TaskClient.persistenceId(taskId)).toCompletableFuture()
            .get(10, TimeUnit.SECONDS).ok(), taskId + " chain");
      }
      for (String agentId : List.of("preparer-1", "poster-1", "notifier-1")) {
        var report = second.runtime.audit().verify("Agent|" + agentId).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(report.ok(), agentId + ": " + report);
      }
    }
  }

  private static int effects(String tool, String stepId) {
    AtomicInteger count = EFFECTS.get(tool + " " + stepId + "/tool-1");
    return count == null ? 0 : count.get();
  }
}
