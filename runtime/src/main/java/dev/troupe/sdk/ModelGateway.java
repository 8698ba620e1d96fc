package dev.troupe.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which model serves each tier ({@code fast}, {@code reasoning}, {@code multimodal}, ...), and the
 * agent types that have a model of their own instead of their tier's.
 */
public final class ModelGateway {
  public static final Set<String> STANDARD_TIERS = Set.of("fast", "reasoning", "multimodal");

  private final Map<String, ModelClient> tiers;
  private final Map<String, ModelClient> agents;

  public ModelGateway(Map<String, ModelClient> tiers) {
    this(tiers, Map.of());
  }

  /** {@code agents}: models for agent types that do not think with their tier's (by type). */
  public ModelGateway(Map<String, ModelClient> tiers, Map<String, ModelClient> agents) {
    if (tiers.isEmpty()) {
      throw new IllegalArgumentException("at least one model tier is needed");
    }
    this.tiers = Map.copyOf(tiers);
    this.agents = Map.copyOf(agents);
  }

  /** The model an agent of {@code agentType} thinks with: its own, if it has one, else its tier's. */
  public Optional<ModelClient> forAgent(String agentType, String tier) {
    ModelClient own = agents.get(agentType);
    return own != null ? Optional.of(own) : forTier(tier);
  }

  /** One model for every standard tier (the embedded default: {@code local}). */
  public static ModelGateway allTiers(ModelClient model) {
    Map<String, ModelClient> map = new LinkedHashMap<>();
    for (String tier : STANDARD_TIERS) {
      map.put(tier, model);
    }
    return new ModelGateway(map);
  }

  public Optional<ModelClient> forTier(String tier) {
    return Optional.ofNullable(tiers.get(tier));
  }

  public Set<String> tiers() {
    return new TreeSet<>(tiers.keySet());
  }
}
