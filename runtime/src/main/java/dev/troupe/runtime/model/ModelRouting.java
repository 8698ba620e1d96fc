package dev.troupe.runtime.model;

import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.troupe.config.ModelSettings;
import dev.troupe.runtime.guard.CircuitBreakers;
import dev.troupe.runtime.guard.ResultCache;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelGateway;
import dev.troupe.sdk.ModelPricing;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The node's models, as configured: a client per configured model (LangChain4j over
 * {@link ProviderTransport}), a {@link ModelRoute} per configured tier (primary, fallbacks,
 * breakers, retries), and the tiers the code registered for everything not configured (the
 * server registers the offline {@code local} model for every standard tier). What agents get is
 * {@link #gateway()}; what operators see is {@link #models()} and {@link #tiers()}.
 */
public final class ModelRouting {
  /** A model as {@code GET /v1/models} shows it: never its key. */
  public record ModelView(String id, String provider, String name, String breaker, BigDecimal usdPerMillionInput,
      BigDecimal usdPerMillionOutput) {}

  /** A tier as {@code GET /v1/models} shows it. */
  public record TierView(String tier, String primary, List<String> fallbacks) {}

  private record Known(String id, String provider, String name, ModelClient client) {}

  private final Map<String, Known> models;
  private final Map<String, ModelClient> tiers;
  private final Map<String, TierView> tierViews;
  private final Map<String, ModelClient> agents;
  private final Map<String, ModelSettings.Tier> agentRoutes;
  private final CircuitBreakers breakers;
  private final ResultCache<ModelReply> cache;

  private ModelRouting(Map<String, Known> models, Map<String, ModelClient> tiers, Map<String, TierView> tierViews,
      Map<String, ModelClient> agents, Map<String, ModelSettings.Tier> agentRoutes, CircuitBreakers breakers,
      ResultCache<ModelReply> cache) {
    this.cache = cache;
    this.models = models;
    this.tiers = tiers;
    this.tierViews = tierViews;
    this.agents = agents;
    this.agentRoutes = agentRoutes;
    this.breakers = breakers;
  }

  /**
   * @param code the tiers the code registered (for the server: {@code local} everywhere); their
   *     clients are also the models a configured tier may name by their {@link ModelClient#name()}
   * @param executor where agents' code continues after a routed call
   * @throws IllegalArgumentException when a configured tier names a model the code did not register
   */
  public static ModelRouting create(ActorSystem<?> system, ModelSettings settings, ModelGateway code,
      Executor executor) {
    return create(system, settings, code, executor, null);
  }

  /**
   * As {@link #create(ActorSystem, ModelSettings, ModelGateway, Executor)}; with {@code cache}
   * (troupe.cache.models on), every tier's and agent type's answers are reused for the same request.
   */
  public static ModelRouting create(ActorSystem<?> system, ModelSettings settings, ModelGateway code,
      Executor executor, ResultCache<ModelReply> cache) {
    Map<String, Known> models = new LinkedHashMap<>();
    for (String tier : code.tiers()) {
      ModelClient client = code.forTier(tier).orElseThrow();
      models.putIfAbsent(client.name(), new Known(client.name(),
          ModelSettings.LOCAL.equals(client.name()) ? "built-in" : "code", client.name(), client));
    }
    for (ModelSettings.Model model : settings.models().values()) {
      ModelSettings.Provider provider = settings.providers().get(model.provider());
      ModelClient client = new ProviderModel(model.id(), chatModel(system, provider, model),
          new ModelPricing(model.usdPerMillionInput(), model.usdPerMillionOutput()), provider.timeout());
      models.put(model.id(), new Known(model.id(), provider.id(), model.name(), client));
    }
    CircuitBreakers breakers = new CircuitBreakers(settings.breaker());
    Map<String, ModelClient> tiers = new LinkedHashMap<>();
    Map<String, TierView> views = new LinkedHashMap<>();
    for (String tier : code.tiers()) {
      ModelClient client = code.forTier(tier).orElseThrow();
      tiers.put(tier, client);
      views.put(tier, new TierView(tier, client.name(), List.of()));
    }
    for (ModelSettings.Tier tier : settings.tiers().values()) {
      tiers.put(tier.tier(), route("troupe.models.tiers.", tier, models, breakers, settings, executor));
      views.put(tier.tier(), new TierView(tier.tier(), tier.primary(), tier.fallbacks()));
    }
    Map<String, ModelClient> agents = new LinkedHashMap<>();
    for (ModelSettings.Tier own : settings.agents().values()) {
      agents.put(own.tier(), route("troupe.models.agents.", own, models, breakers, settings, executor));
    }
    if (cache != null) {
      tiers.replaceAll((tier, client) -> new CachingModel(client, cache));
      agents.replaceAll((type, client) -> new CachingModel(client, cache));
    }
    return new ModelRouting(models, tiers, views, agents, settings.agents(), breakers, cache);
  }

  private static ModelRoute route(String key, ModelSettings.Tier tier, Map<String, Known> models,
      CircuitBreakers breakers, ModelSettings settings, Executor executor) {
    List<ModelRoute.Stop> stops = new ArrayList<>();
    for (String id : tier.route()) {
      Known known = models.get(id);
      if (known == null) {
        throw new IllegalArgumentException(key + tier.tier() + ": model " + id
            + " is not registered on this node (known: " + models.keySet() + ")");
      }
      stops.add(new ModelRoute.Stop(id, known.client()));
    }
    return new ModelRoute(tier.tier(), stops, breakers, settings.retry(), executor);
  }

  private static StreamingChatModel chatModel(ActorSystem<?> system, ModelSettings.Provider provider,
      ModelSettings.Model model) {
    String key = provider.apiKey().get();
    ProviderTransport.Builder transport = ProviderTransport.builder(system, provider.maxConnections());
    String baseUrl = provider.baseUrl().toString();
    return switch (provider.kind()) {
      case OPENAI_COMPATIBLE -> OpenAiStreamingChatModel.builder()
          .httpClientBuilder(transport)
          .baseUrl(baseUrl)
          .apiKey(key)
          .modelName(model.name())
          .timeout(provider.timeout())
          .logRequests(false)
          .logResponses(false)
          .build();
      case ANTHROPIC -> AnthropicStreamingChatModel.builder()
          .httpClientBuilder(transport)
          .baseUrl(baseUrl)
          .apiKey(key)
          .modelName(model.name())
          .timeout(provider.timeout())
          .logRequests(false)
          .logResponses(false)
          .build();
    };
  }

  /** What agents ask for a model by tier. */
  public ModelGateway gateway() {
    return new ModelGateway(tiers, agents);
  }

  /** The agent types with models of their own, as {@code GET /v1/models} shows them. */
  public List<TierView> agentRoutes() {
    return agentRoutes.values().stream().map(t -> new TierView(t.tier(), t.primary(), t.fallbacks())).toList();
  }

  public Optional<ModelClient> model(String id) {
    return Optional.ofNullable(models.get(id)).map(Known::client);
  }

  public List<ModelView> models() {
    return models.values().stream().map(m -> new ModelView(m.id(), m.provider(), m.name(), breakers.state(m.id()),
        m.client().pricing().usdPerMillionInputTokens(), m.client().pricing().usdPerMillionOutputTokens())).toList();
  }

  public List<TierView> tiers() {
    return List.copyOf(tierViews.values());
  }

  public CircuitBreakers breakers() {
    return breakers;
  }

  /** The model answer cache, if {@code troupe.cache.models} is on. */
  public java.util.Optional<ResultCache<ModelReply>> cache() {
    return java.util.Optional.ofNullable(cache);
  }
}
