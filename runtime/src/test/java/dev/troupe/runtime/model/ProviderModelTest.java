package dev.troupe.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.sdk.ChatMessage;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.ToolCallRequest;
import dev.troupe.sdk.ToolSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Each provider through LangChain4j, against a fake server that speaks its real wire protocol:
 * what goes out (paths, headers, messages, tools under provider names, the answer schema) and
 * what comes back (text, tool calls under their real names, tokens, cost, why it stopped), and
 * how failures are classified for the router.
 */
class ProviderModelTest {
  private static final ActorTestKit kit = ActorTestKit.create();
  private static final ExecutorService executor = Executors.newFixedThreadPool(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
    executor.shutdownNow();
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static ModelRouting openAi(FakeProvider fake, String extra) {
    return Models.routing(kit.system(), "providers.p { kind = openai-compatible, base-url = \"" + fake.baseUrl()
            + "\", api-key-env = TEST_KEY " + extra + " }\n"
            + "models.m { provider = p, name = gpt-test, usd-per-million-input = 1, usd-per-million-output = 2 }\n"
            + "tiers.fast { primary = m }",
        Map.of("TEST_KEY", "sk-test-123"), executor);
  }

  private static ModelReply ask(ModelClient model, ModelRequest request) throws Exception {
    return model.complete(request).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  private static final ToolSpec CRM = new ToolSpec("crm.record", "Records a client in the CRM",
      JSON.createObjectNode().put("type", "object").<com.fasterxml.jackson.databind.node.ObjectNode>set("properties",
          JSON.createObjectNode().set("client", JSON.createObjectNode().put("type", "string")))
          .set("required", JSON.createArrayNode().add("client")),
      true, true, Duration.ofSeconds(5));

  @Test
  void anOpenAiCompatibleModelAnswersWithTextTokensCostAndTheModelThatAnswered() throws Exception {
    try (FakeProvider fake = FakeProvider.openAi().then(FakeProvider.openAiText("Hello.", 7, 3))) {
      ModelReply reply = ask(openAi(fake, "").gateway().forTier("fast").orElseThrow(),
          new ModelRequest("Be brief.", "Say hello.", 50));
      assertEquals("Hello.", reply.text());
      assertEquals("m", reply.model(), "the configured model id, not the provider's");
      assertEquals(7, reply.inputTokens());
      assertEquals(3, reply.outputTokens());
      assertEquals(0, new BigDecimal("0.000013").compareTo(reply.costUsd()), "7 × $1 + 3 × $2 per million");
      assertEquals("stop", reply.finishReason());
      assertEquals(1, reply.attempts());

      FakeProvider.Received sent = fake.requests().get(0);
      assertEquals("/v1/chat/completions", sent.path());
      assertEquals("Bearer sk-test-123", sent.header("Authorization"));
      assertEquals("gpt-test", sent.body().get("model").asText());
      assertTrue(sent.body().get("stream").asBoolean(), "streamed, so no thread waits for the answer");
      assertEquals(50, sent.body().get("max_tokens").asInt());
      assertEquals("system", sent.body().get("messages").get(0).get("role").asText());
      assertEquals("Be brief.", sent.body().get("messages").get(0).get("content").asText());
      assertEquals("Say hello.", sent.body().get("messages").get(1).get("content").asText());
    }
  }

  @Test
  void toolsAndAnswerSchemasGoOutUnderProviderNamesAndToolCallsComeBackUnderTheirOwn() throws Exception {
    try (FakeProvider fake = FakeProvider.openAi()
        .then(FakeProvider.openAiToolCall("call_1", "crm_record", "{\"client\":\"Acme\"}"))) {
      JsonNode schema = json("{\"type\":\"object\",\"properties\":{\"category\":{\"type\":\"string\"}},"
          + "\"required\":[\"category\"]}");
      ModelRequest request = new ModelRequest("You file clients.", List.of(
          new ChatMessage.User("Record Acme."),
          new ChatMessage.Assistant(null, List.of(new ToolCallRequest("call_0", "crm.record", json("{\"client\":"
              + "\"Old\"}")))),
          new ChatMessage.ToolResult("call_0", "crm.record", "{\"recorded\":true}")), List.of(CRM), schema, 100, 0.2);
      ModelReply reply = ask(openAi(fake, "").gateway().forTier("fast").orElseThrow(), request);

      assertEquals(List.of(new ToolCallRequest("call_1", "crm.record", json("{\"client\":\"Acme\"}"))),
          reply.toolCalls());
      assertEquals("tool_calls", reply.finishReason());
      JsonNode sent = fake.requests().get(0).body();
      assertEquals(List.of("crm_record"), FakeProvider.toolNames(sent), "OpenAI names allow no dots");
      assertEquals("client", sent.get("tools").get(0).get("function").get("parameters").get("required").get(0)
          .asText());
      assertEquals("json_schema", sent.get("response_format").get("type").asText());
      assertEquals("category", sent.get("response_format").get("json_schema").get("schema").get("required").get(0)
          .asText());
      JsonNode messages = sent.get("messages");
      assertEquals(List.of("system", "user", "assistant", "tool"),
          List.of(messages.get(0).get("role").asText(), messages.get(1).get("role").asText(),
              messages.get(2).get("role").asText(), messages.get(3).get("role").asText()));
      assertEquals("crm_record", messages.get(2).get("tool_calls").get(0).get("function").get("name").asText());
      assertEquals("call_0", messages.get(3).get("tool_call_id").asText());
      assertEquals(0.2, sent.get("temperature").asDouble());
    }
  }

  @Test
  void anAnthropicModelSpeaksMessagesWithToolUseBlocks() throws Exception {
    try (FakeProvider fake = FakeProvider.anthropic()
        .then(FakeProvider.anthropicToolUse("toolu_1", "crm_record", "{\"client\": \"Acme\"}"))) {
      ModelRouting routing = Models.routing(kit.system(), "providers.a { kind = anthropic, base-url = \""
              + fake.baseUrl() + "\", api-key-env = ANTHROPIC_TEST_KEY }\n"
              + "models.claude { provider = a, name = claude-test, usd-per-million-input = 3, "
              + "usd-per-million-output = 15 }\ntiers.reasoning { primary = claude }",
          Map.of("ANTHROPIC_TEST_KEY", "sk-ant-test"), executor);
      ModelRequest request = new ModelRequest("You file clients.", List.of(new ChatMessage.User("Record Acme.")),
          List.of(CRM), null, 200, null);
      ModelReply reply = ask(routing.gateway().forTier("reasoning").orElseThrow(), request);

      assertEquals(1, reply.toolCalls().size());
      assertEquals("crm.record", reply.toolCalls().get(0).name());
      assertEquals("Acme", reply.toolCalls().get(0).arguments().get("client").asText());
      assertEquals(20, reply.inputTokens());
      assertEquals(15, reply.outputTokens());
      assertEquals("tool_calls", reply.finishReason());
      FakeProvider.Received sent = fake.requests().get(0);
      assertEquals("/v1/messages", sent.path());
      assertEquals("sk-ant-test", sent.header("x-api-key"));
      assertEquals("2023-06-01", sent.header("anthropic-version"));
      assertEquals("crm_record", sent.body().get("tools").get(0).get("name").asText());
      assertEquals("You file clients.", sent.body().get("system").get(0).get("text").asText());
      assertEquals(200, sent.body().get("max_tokens").asInt());
    }
  }

  @Test
  void anthropicFailuresAreClassifiedTheSameWay() throws Exception {
    try (FakeProvider fake = FakeProvider.anthropic()) {
      ModelClient model = Models.routing(kit.system(), "providers.a { kind = anthropic, base-url = \""
              + fake.baseUrl() + "\", api-key-env = ANTHROPIC_TEST_KEY, timeout = 2s }\n"
              + "models.claude { provider = a, name = claude-test }", Map.of("ANTHROPIC_TEST_KEY", "sk-ant-test"),
          executor).model("claude").orElseThrow();
      fake.then(FakeProvider.anthropicText("warm", 1, 1));
      ask(model, new ModelRequest("", "warm up", 10));

      fake.then(FakeProvider.error(429, "rate_limit_error").withHeader("Retry-After", "7"));
      ModelCallException limited = failure(model);
      assertTrue(limited.isTransient());
      assertEquals(Duration.ofSeconds(7), limited.retryAfter().orElseThrow());
      fake.then(FakeProvider.error(529, "overloaded_error"));
      assertTrue(failure(model).isTransient(), "Anthropic's 529 (overloaded) is worth another try");
      fake.then(FakeProvider.error(403, "permission_error"));
      assertFalse(failure(model).isTransient());
      fake.then(FakeProvider.malformed());
      assertTrue(failure(model).isTransient(), "a garbled stream never completes: it times out, worth another try");
      fake.then(FakeProvider.anthropicText("late", 1, 1).after(Duration.ofSeconds(4)));
      ModelCallException slow = failure(model);
      assertTrue(slow.isTransient() && slow.getMessage().contains("did not answer in time"), slow.getMessage());
    }
  }

  private static ModelCallException failure(ModelClient model) throws Exception {
    try {
      ask(model, new ModelRequest("", "hi", 10));
      throw new AssertionError("the call should have failed");
    } catch (ExecutionException e) {
      return assertInstanceOf(ModelCallException.class, e.getCause());
    }
  }

  @Test
  void providerFailuresAreClassifiedForTheRouterWithoutTheKey() throws Exception {
    try (FakeProvider fake = FakeProvider.openAi()) {
      ModelClient model = openAi(fake, ", timeout = 2s").model("m").orElseThrow();
      fake.then(FakeProvider.openAiText("warm", 1, 1));
      ask(model, new ModelRequest("", "warm up", 10)); // the first call loads classes; the timeout below is for answers

      fake.then(FakeProvider.error(429, "slow down").withHeader("Retry-After", "2"));
      ModelCallException limited = failure(model);
      assertTrue(limited.isTransient());
      assertEquals(Duration.ofSeconds(2), limited.retryAfter().orElseThrow(), "the provider's Retry-After");
      assertTrue(limited.getMessage().contains("rate limited"), limited.getMessage());

      fake.then(FakeProvider.error(503, "overloaded"));
      assertTrue(failure(model).isTransient());

      fake.then(FakeProvider.error(401, "bad key sk-test-123?"));
      ModelCallException denied = failure(model);
      assertFalse(denied.isTransient());
      assertTrue(denied.countsAgainstModel(), "a model whose key is refused is broken for every call");
      assertTrue(denied.getMessage().contains("api-key-env"), denied.getMessage());
      assertFalse(denied.getMessage().contains("sk-test-123"), "no key in what is journaled: " + denied.getMessage());

      fake.then(FakeProvider.error(400, "bad request"));
      ModelCallException rejected = failure(model);
      assertFalse(rejected.isTransient());
      assertFalse(rejected.countsAgainstModel(), "a malformed request says nothing about the provider's health");

      fake.then(FakeProvider.malformed());
      assertTrue(failure(model).isTransient(), "a garbled answer may come out right next time");

      fake.then(FakeProvider.openAiText("late", 1, 1).after(Duration.ofSeconds(4)));
      ModelCallException slow = failure(model);
      assertTrue(slow.isTransient());
      assertTrue(slow.getMessage().contains("did not answer in time"), slow.getMessage());
      assertNull(slow.retryAfter().orElse(null));
    }
  }
}
