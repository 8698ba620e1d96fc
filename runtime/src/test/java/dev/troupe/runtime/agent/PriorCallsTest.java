package dev.troupe.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An earlier run's tool call is reused only for the same call: a later run that makes another call
 * at the same position (a model-driven agent does) gets that call made, under a key of its own.
 */
class PriorCallsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final List<String> keys = new ArrayList<>();

  private final Tool lookup = new Tool() {
    @Override
    public ToolSpec spec() {
      return new ToolSpec("crm.lookup", "looks a client up", JsonNodeFactory.instance.objectNode().put("type", "object"),
          true, true, Duration.ofSeconds(1));
    }

    @Override
    public CompletionStage<JsonNode> call(ToolCall call) {
      keys.add(call.idempotencyKey());
      return CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode()
          .put("client", call.input().get("client").asText()).put("fresh", true));
    }
  };

  private StepSession session(Map<String, StepSession.PriorCall> prior) {
    AgentDefinition definition = AgentDefinition.builder("clerk").role("Checks clients.")
        .capability("crm.check", Duration.ofSeconds(1), "0").tools("crm.lookup").build();
    return new StepSession("clerk-1", definition, new StepSession.Request("t", "t.step", 2, "crm.check",
        JsonNodeFactory.instance.objectNode(), "", List.of(), Map.of(), "default", "trace"),
        dev.troupe.sdk.testkit.ScriptedModel.named("m").otherwise("x").build(), new ToolRegistry(List.of(lookup)),
        Runnable::run, Map.of(), List.of(), prior, new StepSession.Recorder() {
          @Override
          public void record(AgentEvent event) {
          }

          @Override
          public CompletionStage<Void> persist(AgentEvent event) {
            return CompletableFuture.completedFuture(null);
          }
        }, Delegator.NONE, Clock.systemUTC(), Duration.ofSeconds(1));
  }

  @Test
  void theSameCallIsAnsweredFromTheEarlierRunAndAnotherCallIsMade() throws Exception {
    JsonNode acme = JsonNodeFactory.instance.objectNode().put("client", "Acme");
    String hash = CanonicalJson.sha256(MAPPER, acme);
    JsonNode recorded = JsonNodeFactory.instance.objectNode().put("client", "Acme").put("fresh", false);
    Map<String, StepSession.PriorCall> prior = Map.of("t.step/tool-1", new StepSession.PriorCall(
        new AgentEvent.ToolCallIntended("t.step", "crm.lookup", "t.step/tool-1", acme, null, hash),
        new AgentEvent.ToolCalled("t.step", "crm.lookup", "t.step/tool-1", acme, recorded, 3, "ok", null)));

    JsonNode same = session(prior).tools().call("crm.lookup", acme).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(recorded, same, "the same call: the recorded answer, no second call");
    assertEquals(List.of(), keys);

    JsonNode globex = JsonNodeFactory.instance.objectNode().put("client", "Globex");
    JsonNode other = session(prior).tools().call("crm.lookup", globex).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals("Globex", other.get("client").asText(), "another call is made, not answered with Acme's");
    assertTrue(other.get("fresh").asBoolean());
    assertEquals(1, keys.size());
    assertTrue(keys.get(0).startsWith("t.step/tool-1-") && !keys.get(0).equals("t.step/tool-1"),
        "under a key of its own, so the tool does not take it for the earlier call: " + keys);
  }
}
