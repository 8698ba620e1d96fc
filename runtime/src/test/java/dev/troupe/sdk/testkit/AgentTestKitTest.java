package dev.troupe.sdk.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolException;
import dev.troupe.sdk.ToolSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The step context as agents see it, through the test kit that agent developers use. */
class AgentTestKitTest {
  private static final ObjectNode SCHEMA = (ObjectNode) json(
      "{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1}},"
          + "\"additionalProperties\":false}");

  private static JsonNode json(String text) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Tool tool(String name, boolean reversible, Duration timeout, Function<ToolCall, CompletionStage<JsonNode>> body) {
    return new Tool() {
      @Override
      public ToolSpec spec() {
        return new ToolSpec(name, "a test tool", SCHEMA, reversible, true, timeout);
      }

      @Override
      public CompletionStage<JsonNode> call(ToolCall call) {
        return body.apply(call);
      }
    };
  }

  private static final Tool GREET = tool("test.greet", true, Duration.ofSeconds(1),
      call -> CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode()
          .put("greeting", "hello " + call.input().get("name").asText()).put("key", call.idempotencyKey())));
  private static final Tool LAUNCH = tool("test.launch", false, Duration.ofSeconds(1),
      call -> CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode()));
  private static final Tool SLOW = tool("test.slow", true, Duration.ofMillis(100), call -> new CompletableFuture<>());
  private static final Tool BROKEN = tool("test.broken", true, Duration.ofSeconds(1),
      call -> CompletableFuture.failedFuture(new IllegalStateException("CRM is down")));

  /** An agent granted {@code tools}, whose step is {@code body}. */
  private static Agent agent(Function<StepContext, CompletionStage<StepOutcome>> body, String... tools) {
    AgentDefinition definition = AgentDefinition.builder("tester").role("Tests the step context.")
        .capability("test.run", Duration.ofSeconds(1), "0").tools(tools).build();
    return Agent.of(definition, body);
  }

  private static StepOutcome done(JsonNode output) {
    return StepOutcome.completed((ObjectNode) JsonNodeFactory.instance.objectNode().set("result", output), 1.0);
  }

  /** Calls {@code tool} and completes with the failure's kind and message, if it fails. */
  private static Function<StepContext, CompletionStage<StepOutcome>> calling(String tool, JsonNode input) {
    return step -> step.tools().call(tool, input).handle((output, error) -> {
      if (error == null) {
        return done(output);
      }
      ToolException failure = assertInstanceOf(ToolException.class,
          error instanceof CompletionException ? error.getCause() : error);
      return StepOutcome.permanent(failure.kind() + ": " + failure.getMessage());
    });
  }

  private static final JsonNode BOB = json("{\"name\":\"Bob\"}");

  @Test
  void aGrantedReversibleToolIsCalledWithAStableIdempotencyKeyAndRecorded() {
    var run = AgentTestKit.of(agent(calling("test.greet", BOB), "test.greet")).tools(GREET).run(json("{}"));
    assertEquals("hello Bob", run.output().get("result").get("greeting").asText());
    assertEquals("task-under-test.step/tool-1", run.output().get("result").get("key").asText());
    AgentEvent.ToolCalled call = run.toolCalls().get(0);
    assertEquals("ok", call.outcome());
    assertEquals(BOB, call.input());
    assertEquals(1, run.usage().toolCalls());
  }

  @Test
  void aToolTheAgentWasNotGrantedIsRefusedAndRecorded() {
    var run = AgentTestKit.of(agent(calling("test.greet", BOB))).tools(GREET).run(json("{}"));
    assertEquals(StepOutcome.permanent("REFUSED: agent tester-1 was not granted the tool test.greet"), run.outcome());
    assertEquals("refused", run.toolCalls().get(0).outcome());
  }

  @Test
  void inputThatBreaksTheToolsSchemaIsRefusedBeforeTheCall() {
    var run = AgentTestKit.of(agent(calling("test.greet", json("{\"name\":\"\",\"extra\":1}")), "test.greet"))
        .tools(GREET).run(json("{}"));
    StepOutcome.Failed failed = assertInstanceOf(StepOutcome.Failed.class, run.outcome());
    assertTrue(failed.reason().startsWith("INVALID_INPUT: input does not match the schema of test.greet: "), failed.reason());
    assertTrue(failed.reason().contains("extra"), failed.reason());
    assertTrue(failed.reason().contains("name"), failed.reason());
    assertEquals("invalid-input", run.toolCalls().get(0).outcome());
  }

  @Test
  void wrongInputFailsTheStepForGoodWhileARefusedToolCallLetsAnotherAgentTry() {
    // A refusal is this agent's fault: retryable, so the task tries the next agent for the capability.
    var refused = AgentTestKit.of(agent(step -> step.tools().call("test.greet", BOB).thenApply(AgentTestKitTest::done)))
        .tools(GREET).run(json("{}"));
    assertEquals(StepOutcome.retryable("agent code failed: agent tester-1 was not granted the tool test.greet"),
        refused.outcome());
    var invalid = AgentTestKit.of(agent(step -> {
      throw new dev.troupe.sdk.InvalidInputException("input.name is missing");
    })).run(json("{}"));
    assertEquals(StepOutcome.permanent("input.name is missing"), invalid.outcome());
    var broken = AgentTestKit.of(agent(step -> step.tools().call("test.broken", BOB).thenApply(AgentTestKitTest::done),
        "test.broken")).tools(BROKEN).run(json("{}"));
    StepOutcome.Failed failed = assertInstanceOf(StepOutcome.Failed.class, broken.outcome());
    assertTrue(failed.retryable(), "a tool that failed may do better next time");
  }

  @Test
  void anIrreversibleToolCannotBeCalledOnlyProposed() {
    var run = AgentTestKit.of(agent(calling("test.launch", BOB), "test.launch")).tools(LAUNCH).run(json("{}"));
    assertEquals(StepOutcome.permanent("REFUSED: tool test.launch is irreversible: return StepOutcome.propose(...) "
        + "so a human can approve the call"), run.outcome());
  }

  @Test
  void slowAndFailingToolsAreRecordedWithWhatHappened() {
    var slow = AgentTestKit.of(agent(calling("test.slow", BOB), "test.slow")).tools(SLOW).run(json("{}"));
    assertEquals(StepOutcome.permanent("TIMEOUT: tool test.slow did not answer within PT0.1S"), slow.outcome());
    assertEquals("timeout", slow.toolCalls().get(0).outcome());
    var broken = AgentTestKit.of(agent(calling("test.broken", BOB), "test.broken")).tools(BROKEN).run(json("{}"));
    assertEquals(StepOutcome.permanent("FAILED: IllegalStateException: CRM is down"), broken.outcome());
  }

  @Test
  void theDefinitionIsCheckedAsTheRuntimeChecksIt() {
    var ungrantable = AgentTestKit.of(agent(step -> null, "test.missing"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ungrantable.run(json("{}")));
    assertEquals("agent tester is granted the tool test.missing, which is not registered (tools: [])", e.getMessage());
  }

  @Test
  void scriptedModelsAnswerByPromptAndAnUnscriptedPromptFailsTheStep() {
    ScriptedModel model = ScriptedModel.named("script")
        .whenPromptContains("sanctions", "FLAG")
        .failWhenPromptContains("outage", new IllegalStateException("provider down"))
        .otherwise("CLEAR")
        .build();
    Function<StepContext, CompletionStage<StepOutcome>> ask = step ->
        step.model().complete(new ModelRequest("Screen this.", step.input().get("text").asText(), 5))
            .thenApply(reply -> done(JsonNodeFactory.instance.textNode(reply.text())));
    assertEquals("FLAG", AgentTestKit.of(agent(ask)).model(model).run(json("{\"text\":\"sanctions hit\"}"))
        .output().get("result").asText());
    var clear = AgentTestKit.of(agent(ask)).model(model).run(json("{\"text\":\"all fine\"}"));
    assertEquals("CLEAR", clear.output().get("result").asText());
    assertEquals(new AgentEvent.ModelCalled("task-under-test.step", "script", "fast", 4, 1, java.math.BigDecimal.ZERO,
        clear.modelCalls().get(0).latencyMs(), null, 1, null, "stop",
        json("{\"system\":\"Screen this.\",\"messages\":[{\"role\":\"user\",\"text\":\"all fine\"}],"
            + "\"maxOutputTokens\":5}"), json("{\"text\":\"CLEAR\"}"), null), clear.modelCalls().get(0),
        "what the model was asked and said is recorded with the call");

    var down = AgentTestKit.of(agent(ask)).model(model).run(json("{\"text\":\"outage\"}"));
    assertEquals(StepOutcome.retryable("agent code failed: IllegalStateException: provider down"), down.outcome());
    assertEquals("IllegalStateException: provider down", down.modelCalls().get(0).error());

    var unscripted = AgentTestKit.of(agent(ask)).run(json("{\"text\":\"hi\"}"));
    assertEquals(StepOutcome.retryable(
        "agent code failed: IllegalStateException: ScriptedModel unscripted has no reply for the prompt: hi"),
        unscripted.outcome());
  }

  @Test
  void notesDecisionsAndDelegationsAreRecorded() {
    Function<StepContext, CompletionStage<StepOutcome>> body = step -> {
      step.note("looked up " + step.memory().note("seen").orElse("nothing"));
      step.memory().remember("seen", "yes");
      return step.delegate("text.summarize", json("{\"text\":\"long\"}"))
          .thenApply(summary -> done(summary));
    };
    var run = AgentTestKit.of(agent(body)).notes(Map.of("seen", "before"))
        .delegation("text.summarize", input -> json("{\"summary\":\"short\"}"))
        .run(json("{}"));
    assertEquals("short", run.output().get("result").get("summary").asText());
    assertEquals(List.of("looked up before"), run.decisions());
    assertEquals(Map.of("seen", "yes"), run.remembered());
    AgentEvent.DelegationRequested delegation = run.ofType(AgentEvent.DelegationRequested.class).get(0);
    assertEquals("text.summarize", delegation.capability());
    var again = AgentTestKit.of(agent(body)).delegation("text.summarize", input -> json("{\"summary\":\"s\"}"))
        .run(json("{}"));
    assertEquals(delegation.childTaskId(), again.ofType(AgentEvent.DelegationRequested.class).get(0).childTaskId(),
        "a redelivered step finds the same child task");
  }

  @Test
  void aModelCallThatTakesTooLongFailsAndIsRecorded() {
    dev.troupe.sdk.ModelClient silent = new dev.troupe.sdk.ModelClient() {
      @Override
      public String name() {
        return "silent";
      }

      @Override
      public CompletionStage<dev.troupe.sdk.ModelReply> complete(ModelRequest request) {
        return new CompletableFuture<>();
      }
    };
    var run = AgentTestKit.of(agent(step -> step.model().complete(new ModelRequest("", "hello", 5))
            .thenApply(reply -> done(JsonNodeFactory.instance.textNode(reply.text())))))
        .model(silent).modelTimeout(Duration.ofMillis(100)).run(json("{}"));
    assertEquals(StepOutcome.retryable(
        "agent code failed: ModelTimeoutException: model silent did not answer within PT0.1S"), run.outcome());
    assertEquals("model silent did not answer within PT0.1S", run.modelCalls().get(0).error());
  }
}
