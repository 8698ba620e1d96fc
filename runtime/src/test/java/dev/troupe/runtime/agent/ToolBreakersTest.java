package dev.troupe.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.config.ModelSettings;
import dev.troupe.runtime.budget.Budgets;
import dev.troupe.runtime.guard.CircuitBreakers;
import dev.troupe.runtime.guard.Redactor;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolException;
import dev.troupe.sdk.ToolSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** A tool whose calls mostly fail is taken out for a while: calls fail fast as retryable, without calling it. */
class ToolBreakersTest {
  private final AtomicInteger calls = new AtomicInteger();
  private volatile boolean down = true;

  private final Tool crm = new Tool() {
    @Override
    public ToolSpec spec() {
      return new ToolSpec("crm.lookup", "looks a client up", JsonNodeFactory.instance.objectNode().put("type", "object"),
          true, true, Duration.ofSeconds(1));
    }

    @Override
    public CompletionStage<JsonNode> call(ToolCall call) {
      calls.incrementAndGet();
      return down ? CompletableFuture.failedFuture(new IllegalStateException("CRM is down"))
          : CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode().put("ok", true));
    }
  };

  private StepSession session(CircuitBreakers breakers, List<AgentEvent> events, int n) {
    AgentDefinition definition = AgentDefinition.builder("clerk").role("Checks clients.").capability("crm.check", Duration.ofSeconds(1), "0")
        .tools("crm.lookup").build();
    return new StepSession("clerk-1", definition, new StepSession.Request("t", "t.step" + n, 1, "crm.check",
        JsonNodeFactory.instance.objectNode(), "", List.of(), Map.of(), "default", "trace"),
        dev.troupe.sdk.testkit.ScriptedModel.named("m").otherwise("x").build(),
        new ToolRegistry(List.of(crm)), Runnable::run, Map.of(), List.of(), Map.of(), new StepSession.Recorder() {
          @Override
          public void record(AgentEvent event) {
            events.add(event);
          }

          @Override
          public CompletionStage<Void> persist(AgentEvent event) {
            events.add(event);
            return CompletableFuture.completedFuture(null);
          }
        }, Delegator.NONE, Clock.systemUTC(), Duration.ofSeconds(1),
        new StepGuards(50, 3, Budgets.UNLIMITED, false, Redactor.NONE, Set.of(), breakers));
  }

  private static ToolException failure(StepSession step) throws Exception {
    try {
      step.tools().call("crm.lookup", JsonNodeFactory.instance.objectNode()).toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
      throw new AssertionError("the call should fail");
    } catch (ExecutionException e) {
      return assertInstanceOf(ToolException.class, e.getCause());
    }
  }

  @Test
  void aToolThatKeepsFailingIsNotCalledUntilItsBreakerLetsAProbeThrough() throws Exception {
    CircuitBreakers breakers = new CircuitBreakers(new ModelSettings.Breaker(50, Duration.ofSeconds(60), 2,
        Duration.ofMillis(300), 1));
    List<AgentEvent> events = new ArrayList<>();
    assertEquals(ToolException.Kind.FAILED, failure(session(breakers, events, 1)).kind());
    assertEquals(ToolException.Kind.FAILED, failure(session(breakers, events, 2)).kind());
    assertEquals("OPEN", breakers.state("crm.lookup"));

    ToolException unavailable = failure(session(breakers, events, 3));
    assertEquals(ToolException.Kind.UNAVAILABLE, unavailable.kind());
    assertEquals(2, calls.get(), "an open breaker does not call the tool");
    AgentEvent.ToolCalled refused = (AgentEvent.ToolCalled) events.get(events.size() - 1);
    assertEquals("breaker-open", refused.outcome(), "journaled, and no intent was written");
    var outcome = assertInstanceOf(dev.troupe.sdk.StepOutcome.Failed.class,
        StepSession.outcomeOfFailure("clerk-1", unavailable, Duration.ofSeconds(1)));
    Assertions.assertTrue(outcome.retryable(), "a step that fails for it is retried later");

    Thread.sleep(350); // open-for
    down = false;
    Assertions.assertEquals(true, session(breakers, events, 4).tools().call("crm.lookup",
        JsonNodeFactory.instance.objectNode()).toCompletableFuture().get(5, TimeUnit.SECONDS).get("ok").asBoolean());
    assertEquals("CLOSED", breakers.state("crm.lookup"));
  }
}
