package dev.troupe.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a narrow-role agent is: its type (instances are named {@code <type>-1}, {@code -2}, ...),
 * the one sentence that says what it is for, the capabilities it offers with their SLAs, the tools
 * it is granted, the model tier it uses and its limits.
 *
 * <pre>{@code
 * AgentDefinition.builder("summarizer")
 *     .role("Summarizes a text into a few faithful sentences.")
 *     .capability("text.summarize", Sla.of(Duration.ofSeconds(2), "0.001"))
 *     .modelTier("fast")
 *     .build();
 * }</pre>
 */
public record AgentDefinition(
    String type, String role, List<CapabilityOffer> capabilities, Set<String> tools, String modelTier,
    AgentLimits limits) {
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9-]{0,40}");

  public AgentDefinition {
    if (type == null || !TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("agent type must match " + TYPE + ", was " + type);
    }
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("agent " + type + " needs a role (one sentence)");
    }
    capabilities = List.copyOf(capabilities);
    if (capabilities.isEmpty()) {
      throw new IllegalArgumentException("agent " + type + " must offer at least one capability");
    }
    Set<String> names = new LinkedHashSet<>();
    for (CapabilityOffer offer : capabilities) {
      if (!names.add(offer.capability())) {
        throw new IllegalArgumentException("agent " + type + " offers " + offer.capability() + " twice");
      }
    }
    tools = Set.copyOf(tools);
    Objects.requireNonNull(modelTier, "modelTier");
    Objects.requireNonNull(limits, "limits");
  }

  public static Builder builder(String type) {
    return new Builder(type);
  }

  public Optional<CapabilityOffer> offer(String capability) {
    return capabilities.stream().filter(o -> o.capability().equals(capability)).findFirst();
  }

  /** Builds an {@link AgentDefinition}; defaults: tier {@code fast}, no tools, {@link AgentLimits#DEFAULT}. */
  public static final class Builder {
    private final String type;
    private String role;
    private final List<CapabilityOffer> capabilities = new ArrayList<>();
    private final Set<String> tools = new LinkedHashSet<>();
    private String modelTier = "fast";
    private AgentLimits limits = AgentLimits.DEFAULT;

    private Builder(String type) {
      this.type = type;
    }

    public Builder role(String oneSentence) {
      this.role = oneSentence;
      return this;
    }

    public Builder capability(String capability, Sla sla) {
      capabilities.add(new CapabilityOffer(capability, sla));
      return this;
    }

    public Builder capability(String capability, Duration p95Latency, String costUsdPerCall) {
      return capability(capability, Sla.of(p95Latency, costUsdPerCall));
    }

    public Builder tools(String... names) {
      tools.addAll(List.of(names));
      return this;
    }

    public Builder modelTier(String tier) {
      this.modelTier = tier;
      return this;
    }

    public Builder limits(AgentLimits newLimits) {
      this.limits = newLimits;
      return this;
    }

    public AgentDefinition build() {
      return new AgentDefinition(type, role, capabilities, tools, modelTier, limits);
    }
  }
}
