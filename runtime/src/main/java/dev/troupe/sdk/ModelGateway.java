package dev.troupe.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Which model serves each tier ({@code fast}, {@code reasoning}, {@code multimodal}, ...). */
public final class ModelGateway {
  public static final Set<String> STANDARD_TIERS = Set.of("fast", "reasoning", "multimodal");

  private final Map<String, ModelClient> tiers;

  public ModelGateway(Map<String, ModelClient> tiers) {
    if (tiers.isEmpty()) {
      throw new IllegalArgumentException("at least one model tier is needed");
    }
    this.tiers = Map.copyOf(tiers);
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
