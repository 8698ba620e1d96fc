package dev.troupe.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.runtime.budget.Budgets;
import dev.troupe.runtime.guard.Redactor;
import dev.troupe.runtime.guard.ResultCache;
import dev.troupe.runtime.model.CachingModel;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.ChatMessage;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The optional result cache: the same request's answer and a cacheable tool's output, reused, journaled as such. */
class ResultCacheTest {
  private final AtomicInteger modelCalls = new AtomicInteger();
  private final AtomicInteger lookups = new AtomicInteger();
  private final AtomicInteger sends = new AtomicInteger();

  private final ModelClient model = new ModelClient() {
    @Override
    public String name() {
      return "gpt-mini";
    }

    @Override
    public CompletionStage<ModelReply> complete(ModelRequest request) {
      if (request.prompt().contains("fail")) {
        modelCalls.incrementAndGet();
        return CompletableFuture.failedFuture(new IllegalStateException("provider down"));
      }
      return CompletableFuture.completedFuture(new ModelReply("answer " + modelCalls.incrementAndGet(), "gpt-mini",
          30, 5, new BigDecimal("0.00001")));
    }
  };

  private static Tool tool(String name, boolean cacheable, AtomicInteger counter) {
    ToolSpec spec = new ToolSpec(name, "a tool", JsonNodeFactory.instance.objectNode().put("type", "object"), true,
        true, Duration.ofSeconds(1));
    return new Tool() {
      @Override
      public ToolSpec spec() {
        return cacheable ? spec.asCacheable() : spec;
      }

      @Override
      public CompletionStage<JsonNode> call(ToolCall call) {
        return CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode().put("n", counter.incrementAndGet()));
      }
    };
  }

  private StepSession session(ModelClient thinking, ResultCache<JsonNode> tools, List<AgentEvent> events, int n) {
    AgentDefinition definition = AgentDefinition.builder("clerk").role("Checks clients.")
        .capability("crm.check", Duration.ofSeconds(1), "0").tools("crm.lookup", "mail.queue").build();
    return new StepSession("clerk-1", definition, new StepSession.Request("t", "t.step" + n, 1, "crm.check",
        JsonNodeFactory.instance.objectNode(), "", List.of(), Map.of(), "default", "trace"), thinking,
        new ToolRegistry(List.of(tool("crm.lookup", true, lookups), tool("mail.queue", false, sends))),
        Runnable::run, Map.of(), List.of(), Map.of(), new StepSession.Recorder() {
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
        new StepGuards(50, 3, Budgets.UNLIMITED, false, Redactor.NONE, Set.of(), null, tools));
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void theSameRequestIsAnsweredFromTheCacheAndCostsNothingWhileAnyDifferenceAsksTheModel() throws Exception {
    ResultCache<ModelReply> cache = new ResultCache<>("models", Duration.ofMinutes(1), 100);
    CachingModel cached = new CachingModel(model, cache);
    List<AgentEvent> events = new ArrayList<>();
    ModelRequest request = new ModelRequest("Classify.", "I was charged twice", 50);

    ModelReply first = get(session(cached, null, events, 1).model().complete(request));
    ModelReply again = get(session(cached, null, events, 2).model().complete(request));
    assertEquals("answer 1", again.text(), "the same answer");
    assertEquals(1, modelCalls.get(), "the model was asked once");
    assertTrue(again.cached() && !first.cached());
    assertEquals(0, again.inputTokens() + again.outputTokens());
    assertEquals(BigDecimal.ZERO, again.costUsd(), "a cached answer costs nothing");
    var journaled = events.stream().filter(AgentEvent.ModelCalled.class::isInstance)
        .map(AgentEvent.ModelCalled.class::cast).toList();
    assertNull(journaled.get(0).cached());
    assertEquals(Boolean.TRUE, journaled.get(1).cached(), "journaled as cached");

    get(cached.complete(new ModelRequest("Classify.", "I was charged three times", 50)));
    get(cached.complete(new ModelRequest("Classify!", "I was charged twice", 50)));
    get(cached.complete(new ModelRequest("Classify.", List.of(new ChatMessage.User("I was charged twice")), List.of(),
        null, 51, null)));
    assertEquals(4, modelCalls.get(), "another prompt, other instructions, other limits: asked again");
    assertEquals(1, cache.hits());
    assertEquals(4, cache.misses());

    ModelRequest failing = new ModelRequest("Classify.", "fail", 50);
    cached.complete(failing).toCompletableFuture().handle((r, e) -> null).get(5, TimeUnit.SECONDS);
    cached.complete(failing).toCompletableFuture().handle((r, e) -> null).get(5, TimeUnit.SECONDS);
    assertEquals(6, modelCalls.get(), "a failure is never cached");
  }

  @Test
  void aCacheableToolsOutputIsReusedForTheSameInputAndOtherToolsAlwaysRun() throws Exception {
    ResultCache<JsonNode> cache = new ResultCache<>("tools", Duration.ofMinutes(1), 100);
    List<AgentEvent> events = new ArrayList<>();
    JsonNode acme = JsonNodeFactory.instance.objectNode().put("client", "Acme");
    JsonNode first = get(session(model, cache, events, 1).tools().call("crm.lookup", acme));
    JsonNode second = get(session(model, cache, events, 2).tools().call("crm.lookup", acme));
    assertEquals(first, second);
    assertEquals(1, lookups.get(), "looked up once");
    List<String> outcomes = events.stream().filter(AgentEvent.ToolCalled.class::isInstance)
        .map(e -> ((AgentEvent.ToolCalled) e).outcome()).toList();
    assertEquals(List.of("ok", "cached"), outcomes);
    get(session(model, cache, events, 3).tools().call("crm.lookup", JsonNodeFactory.instance.objectNode()
        .put("client", "Globex")));
    assertEquals(2, lookups.get(), "other input: called");

    get(session(model, cache, events, 4).tools().call("mail.queue", acme));
    get(session(model, cache, events, 5).tools().call("mail.queue", acme));
    assertEquals(2, sends.get(), "a tool that does not declare itself cacheable always runs");
  }
}
