package dev.troupe.http;

import static dev.troupe.http.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.model.FakeProvider;
import dev.troupe.runtime.model.ModelHealthEvent;
import dev.troupe.runtime.model.ModelHealthJournal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real provider (a fake OpenAI-compatible server speaking the wire protocol) as the primary of
 * the tier the built-in summarizer thinks with, and the offline {@code local} model as its
 * fallback, end to end over HTTP: the provider answers the task; then it starts failing, the
 * tier falls over to {@code local} and the task still completes; the provider's breaker opens,
 * after which it is not called at all; and the journal, {@code /metrics} and {@code GET /v1/models}
 * each show it. The provider's API key goes to the provider and nowhere else.
 */
class ModelsIT {
  private static final String KEY = "models-admin-key-000001";
  private static final String SECRET = "sk-flaky-SECRET-1234";

  @TempDir
  static Path dataDir;
  private static TestServer server;
  private static FakeProvider provider;

  @BeforeAll
  static void start() throws Exception {
    provider = FakeProvider.openAi();
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + KEY + "\"",
        "troupe.models.providers.flaky { kind = openai-compatible, base-url = \"" + provider.baseUrl() + "\","
            + " api-key-env = FLAKY_API_KEY, timeout = 10s }",
        "troupe.models.models.gpt { provider = flaky, name = gpt-test, usd-per-million-input = 0.15,"
            + " usd-per-million-output = 0.60 }",
        "troupe.models.tiers.fast { primary = gpt, fallbacks = [local] }",
        "troupe.models.breaker { minimum-calls = 3, open-for = 60s }",
        "troupe.models.retry { max-attempts = 2, initial-backoff = 20ms, max-backoff = 100ms }"),
        Map.of("FLAKY_API_KEY", SECRET));
  }

  @AfterAll
  static void stop() {
    server.close();
    provider.close();
  }

  private static JsonNode finished(String text) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", KEY,
        "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"" + text + "\"}}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String taskId = json(accepted).get("taskId").asText();
    return server.await("/v1/tasks/" + taskId, KEY,
        task -> Set.of("COMPLETED", "FAILED").contains(task.get("status").asText()), taskId + " finished");
  }

  private static JsonNode modelCall(JsonNode task) throws Exception {
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + task.get("taskId").asText(), KEY)).get("events")) {
      if (event.get("type").asText().equals("ModelCalled")) {
        return event.get("event");
      }
    }
    throw new AssertionError("no model call in the timeline of " + task);
  }

  @Test
  void theProviderAnswersThenFailsOverToLocalAndItsOpenBreakerIsJournaledMeteredAndListed() throws Exception {
    provider.then(FakeProvider.openAiText("The provider's summary.", 40, 8));
    JsonNode first = finished("Anvils are heavy. They are made of steel.");
    assertEquals("COMPLETED", first.get("status").asText(), first.toString());
    assertEquals("The provider's summary.", first.get("output").get("summary").asText());
    JsonNode answered = modelCall(first);
    assertEquals("gpt", answered.get("model").asText());
    assertEquals(40, answered.get("inputTokens").asInt());
    assertEquals("stop", answered.get("finishReason").asText());
    assertEquals(1, answered.get("attempts").asInt());
    assertEquals("Anvils are heavy. They are made of steel.",
        answered.get("prompt").get("messages").get(0).get("text").asText(), "what the model was asked is journaled");
    assertEquals("The provider's summary.", answered.get("reply").get("text").asText());
    FakeProvider.Received sent = provider.requests().get(0);
    assertEquals("Bearer " + SECRET, sent.header("Authorization"), "the key goes to the provider");
    assertEquals("gpt-test", sent.body().get("model").asText());

    provider.always(FakeProvider.error(500, "the provider is down"));
    JsonNode second = finished("Kettles boil water. Tea follows.");
    assertEquals("COMPLETED", second.get("status").asText(), "the fallback answered: " + second);
    JsonNode fellOver = modelCall(second);
    assertEquals("local", fellOver.get("model").asText());
    assertEquals(3, fellOver.get("attempts").asInt(), "two calls to the provider, then local");
    String why = fellOver.get("fallbacks").get(0).asText();
    assertTrue(why.contains("model gpt failed on the provider's side") && why.contains("HTTP 500")
        && why.endsWith("(2 calls)"), why);
    assertEquals(3, provider.calls());

    JsonNode models = json(server.get("/v1/models", KEY));
    JsonNode gpt = find(models.get("models"), "id", "gpt");
    assertEquals("OPEN", gpt.get("breaker").asText(), "1 success and 2 failures: over 50% of at least 3 calls");
    assertEquals("flaky", gpt.get("provider").asText());
    assertEquals("gpt-test", gpt.get("name").asText());
    assertEquals(0.15, gpt.get("usdPerMillionInput").asDouble());
    assertEquals("built-in", find(models.get("models"), "id", "local").get("provider").asText());
    JsonNode fast = find(models.get("tiers"), "tier", "fast");
    assertEquals("gpt", fast.get("primary").asText());
    assertEquals("local", fast.get("fallbacks").get(0).asText());
    assertEquals("local", find(models.get("tiers"), "tier", "reasoning").get("primary").asText(),
        "a tier not configured stays on local");

    JsonNode third = finished("Owls hoot at night.");
    assertEquals("COMPLETED", third.get("status").asText());
    assertEquals(3, provider.calls(), "an open breaker is not called");
    assertEquals(List.of("gpt: circuit breaker open"), List.of(modelCall(third).get("fallbacks").get(0).asText()));

    String metrics = server.get("/metrics", KEY).body();
    assertTrue(metrics.contains("troupe_model_breaker_state{model=\"gpt\",state=\"open\"} 1.0"), metrics);
    assertTrue(metrics.contains("troupe_model_breaker_state{model=\"gpt\",state=\"closed\"} 0.0"), metrics);
    assertTrue(metrics.contains("troupe_model_breaker_transitions_total{model=\"gpt\",state=\"open\"} 1.0"), metrics);

    TroupeRuntime runtime = server.node.started().toCompletableFuture().get(5, TimeUnit.SECONDS);
    String node = Cluster.get(server.node.system()).selfMember().address().hostPort();
    List<StoredEntry> health = runtime.audit().entries(ModelHealthJournal.persistenceId(node)).toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
    assertEquals(List.of(new ModelHealthEvent.BreakerStateChanged("gpt", "CLOSED", "OPEN")),
        health.stream().map(e -> e.entry().event()).toList(), "the node journaled the breaker opening");
    assertTrue(json(server.get("/v1/audit/tasks/" + second.get("taskId").asText() + "/verify", KEY)).get("ok")
        .asBoolean());

    for (String body : List.of(server.get("/v1/models", KEY).body(), metrics,
        server.get("/v1/audit/tasks/" + first.get("taskId").asText(), KEY).body(),
        server.get("/v1/tasks/" + second.get("taskId").asText(), KEY).body(),
        server.get("/v1/audit/export?since=2020-01-01T00:00:00Z", KEY).body())) {
      assertFalse(body.contains(SECRET), "the API key is in no answer: " + body);
    }
  }

  private static JsonNode find(JsonNode items, String field, String value) {
    for (JsonNode item : items) {
      if (item.get(field).asText().equals(value)) {
        return item;
      }
    }
    throw new AssertionError("no " + field + " = " + value + " in " + items);
  }
}
