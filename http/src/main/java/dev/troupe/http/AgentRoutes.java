package dev.troupe.http;

import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.agent.AgentCatalog;
import dev.troupe.runtime.market.Advertisement;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.sdk.CapabilityOffer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/agents}, {@code /v1/capabilities} and {@code /v1/models}: what the marketplace
 * knows and what the agents think with (models, tiers, breaker states; never a key), for any role.
 */
final class AgentRoutes extends AllDirectives {
  private final TroupeRuntime runtime;
  private final Duration timeout;
  private final Executor executor;

  AgentRoutes(TroupeRuntime runtime, Duration timeout, Executor executor) {
    this.runtime = runtime;
    this.timeout = timeout;
    this.executor = executor;
  }

  record AgentView(String agentId, String type, String role, List<String> capabilities, String status, int inFlight,
      long completed, long failed, double reputation) {
    static AgentView of(Advertisement ad) {
      return new AgentView(ad.agentId(), ad.type(), ad.role(),
          ad.capabilities().stream().map(CapabilityOffer::capability).toList(), ad.status().name(), ad.inFlight(),
          ad.completed(), ad.failed(), Math.round(ad.reputation() * 1000) / 1000.0);
    }
  }

  record Sla(long p95LatencyMs, BigDecimal costUsdPerCall) {}

  record CapabilityView(String capability, List<String> agents, Sla sla) {}

  Route routes() {
    return concat(
        pathPrefix("agents", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> completeWithFuture(listed().thenApplyAsync(ads ->
                json(Map.of("items", ads.stream().map(AgentView::of).toList())), executor)
                .exceptionally(TaskRoutes::unavailable)))),
            path(PathMatchers.segment(), agentId -> get(() -> completeWithFuture(listed().thenApplyAsync(ads ->
                ads.stream().filter(ad -> ad.agentId().equals(agentId)).findFirst()
                    .map(ad -> json(AgentView.of(ad)))
                    .orElseGet(() -> Problems.response(StatusCodes.NOT_FOUND, "no agent " + agentId,
                        "/v1/agents/" + agentId)), executor)
                .exceptionally(TaskRoutes::unavailable)))))),
        path("capabilities", () -> get(() -> complete(json(Map.of("items", capabilities()))))),
        path("models", () -> get(() -> complete(json(Map.of("models", runtime.models().models(),
            "tiers", runtime.models().tiers(), "agents", runtime.models().agentRoutes().stream()
                .map(r -> Map.of("agentType", r.tier(), "primary", r.primary(), "fallbacks", r.fallbacks()))
                .toList()))))));
  }

  private CompletionStage<List<Advertisement>> listed() {
    return dev.troupe.runtime.PlainFutures.of(AskPattern.<MarketplaceRegistry.Command, MarketplaceRegistry.AgentList>ask(runtime.registry(),
            MarketplaceRegistry.ListAgents::new, timeout, runtime.audit().system().scheduler())
        .thenApply(MarketplaceRegistry.AgentList::agents));
  }

  /** Every capability this node's agents offer; its SLA is the cheapest offer's. */
  private List<CapabilityView> capabilities() {
    AgentCatalog catalog = runtime.catalog();
    Map<String, List<String>> agents = new TreeMap<>();
    Map<String, CapabilityOffer> best = new TreeMap<>();
    for (String agentId : catalog.instanceIds()) {
      for (CapabilityOffer offer : catalog.instance(agentId).orElseThrow().definition().capabilities()) {
        agents.computeIfAbsent(offer.capability(), c -> new ArrayList<>()).add(agentId);
        best.merge(offer.capability(), offer, (a, b) ->
            a.sla().costUsdPerCall().compareTo(b.sla().costUsdPerCall()) <= 0 ? a : b);
      }
    }
    List<CapabilityView> out = new ArrayList<>();
    best.forEach((capability, offer) -> out.add(new CapabilityView(capability, agents.get(capability),
        new Sla(offer.sla().p95Latency().toMillis(), offer.sla().costUsdPerCall()))));
    return out;
  }

  private static HttpResponse json(Object body) {
    return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(body)));
  }
}
