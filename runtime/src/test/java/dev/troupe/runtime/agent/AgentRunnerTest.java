package dev.troupe.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.runtime.model.ModelClient;
import dev.troupe.runtime.model.ModelReply;
import dev.troupe.runtime.model.ModelRequest;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AgentRunnerTest {
  private static final ActorTestKit kit = ActorTestKit.create("AgentRunnerTest",
      com.typesafe.config.ConfigFactory.parseString("pekko.actor.provider = local"));
  private static final ExecutorService agentThreads = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "test-agent-thread");
    t.setDaemon(true);
    return t;
  });

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
    agentThreads.shutdownNow();
  }

  /** A model that always answers "ok" and charges by the word. */
  private static final ModelClient ECHO = new ModelClient() {
    @Override
    public String name() {
      return "echo";
    }

    @Override
    public CompletionStage<ModelReply> complete(ModelRequest request) {
      return CompletableFuture.completedFuture(new ModelReply("ok", "echo", 3, 1, new BigDecimal("0.001")));
    }
  };

  private ActorRef<AgentRunner.Command> runner(AgentLogic logic) {
    AgentDefinition agent = new AgentDefinition("tester", "tests", List.of("test.run"), ECHO, logic);
    return kit.spawn(AgentRunner.create(agent, agentThreads, Clock.systemUTC()));
  }

  private static AgentRunner.StepReport run(ActorRef<AgentRunner.Command> runner, String stepId) {
    TestProbe<AgentRunner.StepReport> probe = kit.createTestProbe();
    runner.tell(new AgentRunner.RunStep("task-1", stepId, 1, "test.run", JsonNodeFactory.instance.objectNode(),
        probe.ref()));
    return probe.expectMessageClass(AgentRunner.StepReport.class);
  }

  @Test
  void completedStepsReportOutputAndTheUsageTheRuntimeMeasured() {
    var runner = runner(step -> step.model().complete(new ModelRequest("", "hi", 10))
        .thenCompose(first -> step.model().complete(new ModelRequest("", "again", 10)))
        .thenApply(reply -> StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("r", reply.text()), 0.7)));
    AgentRunner.StepReport report = run(runner, "s1");
    assertEquals("s1", report.stepId());
    assertEquals("tester", report.agentId());
    StepOutcome.Completed done = assertInstanceOf(StepOutcome.Completed.class, report.outcome());
    assertEquals("ok", done.output().get("r").asText());
    assertEquals(new Usage(6, 2, new BigDecimal("0.002"), 2, 0), report.usage());
  }

  @Test
  void agentCodeRunsOffTheActorThread() {
    AtomicReference<String> thread = new AtomicReference<>();
    var runner = runner(step -> {
      thread.set(Thread.currentThread().getName());
      return CompletableFuture.completedFuture(StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.0));
    });
    run(runner, "s1");
    assertEquals("test-agent-thread", thread.get());
  }

  @Test
  void aThrowingAgentFailsTheStepAsRetryableAndKeepsServing() {
    AtomicReference<Boolean> crash = new AtomicReference<>(true);
    var runner = runner(step -> {
      if (crash.getAndSet(false)) {
        throw new IllegalStateException("boom");
      }
      return CompletableFuture.completedFuture(StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.0));
    });
    StepOutcome.Failed failed = assertInstanceOf(StepOutcome.Failed.class, run(runner, "s1").outcome());
    assertEquals(new StepOutcome.Failed("agent code failed: IllegalStateException: boom", true), failed);
    assertInstanceOf(StepOutcome.Completed.class, run(runner, "s2").outcome());
  }

  @Test
  void aFailedStageOrAMissingOutcomeFailsTheStepAsRetryable() {
    var failing = runner(step -> CompletableFuture.failedFuture(new java.io.IOException("socket closed")));
    assertEquals(new StepOutcome.Failed("agent code failed: IOException: socket closed", true),
        run(failing, "s1").outcome());
    var silent = runner(step -> null);
    assertEquals(new StepOutcome.Failed("agent returned no outcome", true), run(silent, "s2").outcome());
  }

  @Test
  void anInvalidOutputIsAFailureNotACrash() {
    var runner = runner(step -> CompletableFuture.supplyAsync(
        () -> StepOutcome.completed(JsonNodeFactory.instance.objectNode(), 1.5)));
    StepOutcome.Failed failed = assertInstanceOf(StepOutcome.Failed.class, run(runner, "s1").outcome());
    assertEquals("agent code failed: IllegalArgumentException: confidence must be 0..1, was 1.5", failed.reason());
  }
}
