package dev.troupe.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.troupe.sdk.ModelGateway;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Which model each tier and each agent type gets, from configuration over what the code registered. */
class ModelRoutingTest {
  private static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ModelRouting routing(String hocon) {
    return Models.routing(kit.system(), "providers.p { kind = openai-compatible, base-url = \"http://127.0.0.1:9/v1\" }\n"
        + "models.m { provider = p, name = x }\n" + hocon, Map.of(), Runnable::run);
  }

  @Test
  void aConfiguredTierIsRoutedAndTheOthersKeepTheCodesModel() {
    ModelGateway gateway = routing("tiers.fast { primary = m, fallbacks = [local] }").gateway();
    ModelRoute fast = assertInstanceOf(ModelRoute.class, gateway.forTier("fast").orElseThrow());
    assertEquals(List.of("m", "local"), fast.stops().stream().map(ModelRoute.Stop::modelId).toList());
    assertSame(Models.LOCAL, gateway.forTier("reasoning").orElseThrow(), "not configured: the code's model");
  }

  @Test
  void anAgentTypeMayThinkWithModelsOfItsOwn() {
    ModelRouting routing = routing("tiers.fast { primary = local }\nagents.triage { primary = m, fallbacks = [local] }");
    ModelRoute own = assertInstanceOf(ModelRoute.class, routing.gateway().forAgent("triage", "fast").orElseThrow());
    assertEquals(List.of("m", "local"), own.stops().stream().map(ModelRoute.Stop::modelId).toList());
    ModelRoute tier = assertInstanceOf(ModelRoute.class, routing.gateway().forAgent("writer", "fast").orElseThrow());
    assertEquals(List.of("local"), tier.stops().stream().map(ModelRoute.Stop::modelId).toList());
    assertEquals(List.of(new ModelRouting.TierView("triage", "m", List.of("local"))), routing.agentRoutes());
  }

  @Test
  void aTierNamingAModelTheCodeDidNotRegisterStopsTheStart() {
    var settings = Models.settings("tiers.fast { primary = local }", Map.of());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> ModelRouting.create(
        kit.system(), settings, new ModelGateway(Map.of("fast", new ModelRouteTestStub("other"))), Runnable::run));
    assertEquals("troupe.models.tiers.fast: model local is not registered on this node (known: [other])",
        missing.getMessage());
  }

  /** A code model that is not {@code local}. */
  private record ModelRouteTestStub(String name) implements dev.troupe.sdk.ModelClient {
    @Override
    public java.util.concurrent.CompletionStage<dev.troupe.sdk.ModelReply> complete(dev.troupe.sdk.ModelRequest r) {
      throw new UnsupportedOperationException();
    }
  }
}
