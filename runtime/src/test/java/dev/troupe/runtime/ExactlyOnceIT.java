package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.effect.EffectEvent;
import dev.troupe.runtime.effect.EffectLedgerEntity;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tool that is not idempotent is called once per step, whichever agents run the step's attempts:
 * a retry on another instance gets the first call's output from the task's effect ledger, or
 * escalates when the first call may or may not have happened.
 */
class ExactlyOnceIT {
  private static final AtomicInteger CHARGES = new AtomicInteger();
  private static final AtomicInteger SLOW_CHARGES = new AtomicInteger();
  private static final AtomicInteger RUNS = new AtomicInteger();

  @TempDir
  static Path dataDir;
  private static EmbeddedNode node;

  /** Charges a card: not idempotent (a second call charges twice). */
  private static Tool charge(String name, AtomicInteger count, long takesMillis) {
    return new Tool() {
      @Override
      public ToolSpec spec() {
        return new ToolSpec(name, "charges a card", JsonNodeFactory.instance.objectNode().put("type", "object"), true,
            false, Duration.ofMillis(300));
      }

      @Override
      public CompletionStage<JsonNode> call(ToolCall call) {
        int n = count.incrementAndGet();
        if (takesMillis > 0) {
          try {
            Thread.sleep(takesMillis); // the tool executor's thread: the call outlives its timeout
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode().put("charge", "ch-" + n));
      }
    };
  }

  /** Charges, then fails its first run after the charge: the step is retried on another instance. */
  private static Agent biller(String type, String capability, String tool) {
    return Agent.of(AgentDefinition.builder(type).role("Charges cards.")
            .capability(capability, Duration.ofSeconds(5), "0").tools(tool).build(),
        step -> step.tools().call(tool, step.input()).thenApply(charged -> {
          if (RUNS.incrementAndGet() == 1) {
            throw new IllegalStateException("lost the connection after charging");
          }
          return StepOutcome.completed(JsonNodeFactory.instance.objectNode().set("charged", charged), 1.0);
        }));
  }

  @BeforeAll
  static void start() throws Exception {
    node = EmbeddedNode.startRegistered(dataDir, List.of(
            new AgentRegistration(biller("biller", "card.charge", "pay.charge"), 2),
            new AgentRegistration(Agent.of(AgentDefinition.builder("slow-biller").role("Charges slowly.")
                    .capability("card.charge-slowly", Duration.ofSeconds(5), "0").tools("pay.slow").build(),
                step -> step.tools().call("pay.slow", step.input())
                    .thenApply(charged -> StepOutcome.completed(charged, 1.0))), 2)),
        List.of(charge("pay.charge", CHARGES, 0), charge("pay.slow", SLOW_CHARGES, 1_000)), "");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String submit(String capability) throws Exception {
    String taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
    node.runtime.tasks().submit(taskId, TaskRequest.forCapability("default", capability, null, null,
            JsonNodeFactory.instance.objectNode().put("amountEur", 40), null, null, Priority.NORMAL, Map.of(), taskId),
        AuditActor.human("tester"), "trace").toCompletableFuture().get(10, TimeUnit.SECONDS);
    return taskId;
  }

  private static List<Object> ledger(String taskId) throws Exception {
    return node.runtime.audit().entries(EffectLedgerEntity.persistenceId(taskId)).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).stream().map(StoredEntry::entry).map(e -> (Object) e.event()).toList();
  }

  @Test
  void aRetryOnAnotherAgentGetsTheFirstCallsOutputAndDoesNotCallAgain() throws Exception {
    String taskId = submit("card.charge");
    TaskState task = WorkflowPatternsIT.await(node, taskId, s -> s.status().isFinal());
    assertEquals(TaskStatus.COMPLETED, task.status(), String.valueOf(task.error()));
    assertEquals(1, CHARGES.get(), "one charge for two attempts");
    assertEquals("ch-1", task.output().get("charged").get("charge").asText());
    var step = task.steps().get(0);
    assertEquals(2, step.attempts());
    assertEquals(1, step.failedAgents().size());
    assertNotEquals(step.failedAgents().get(0), step.agentId(), "the retry ran on the other instance");
    List<Object> effects = ledger(taskId);
    assertEquals(2, effects.size(), effects.toString());
    assertTrue(effects.get(0) instanceof EffectEvent.EffectClaimed claimed
        && claimed.agentId().equals(step.failedAgents().get(0)), effects.toString());
    assertTrue(effects.get(1) instanceof EffectEvent.EffectSettled settled && settled.outcome().equals("ok"),
        effects.toString());
  }

  @Test
  void aCallThatTimedOutIsInDoubtOnEveryAgentAndTheStepEscalates() throws Exception {
    String taskId = submit("card.charge-slowly");
    TaskState task = WorkflowPatternsIT.await(node, taskId, s -> s.status() == TaskStatus.ESCALATED || s.status().isFinal());
    assertEquals(TaskStatus.ESCALATED, task.status(), String.valueOf(task.error()));
    assertEquals(1, SLOW_CHARGES.get(), "the charge that timed out may have happened: never made again");
    String why = task.steps().get(0).error();
    assertTrue(String.valueOf(why).contains("did not answer in time"), why);
    List<Object> effects = ledger(taskId);
    assertTrue(effects.get(effects.size() - 1) instanceof EffectEvent.EffectSettled settled
        && settled.outcome().equals("timeout"), effects.toString());
  }
}
