package dev.troupe.runtime.agent;

import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.ModelGateway;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The agents this node is configured to run, by instance id, checked once at start: unique types,
 * granted tools that exist, model tiers the gateway serves. Immutable.
 */
public final class AgentCatalog {
  /** One configured instance: its id and the agent behind it. */
  public record Instance(String agentId, Agent agent, AgentDefinition definition) {}

  private final Map<String, Instance> instances;
  private final SortedSet<String> capabilities;

  public AgentCatalog(List<AgentRegistration> registrations, ToolRegistry tools, ModelGateway models) {
    Map<String, Instance> byId = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    SortedSet<String> offered = new TreeSet<>();
    for (AgentRegistration registration : registrations) {
      AgentDefinition definition = registration.agent().definition();
      String previous = types.put(definition.type(), registration.agent().getClass().getName());
      if (previous != null) {
        throw new IllegalArgumentException("two agents have the type " + definition.type() + ": " + previous
            + " and " + registration.agent().getClass().getName());
      }
      for (String tool : definition.tools()) {
        if (tools.tool(tool).isEmpty()) {
          throw new IllegalArgumentException("agent " + definition.type() + " is granted the tool " + tool
              + ", which is not registered (tools: " + tools.names() + ")");
        }
      }
      if (models.forTier(definition.modelTier()).isEmpty()) {
        throw new IllegalArgumentException("agent " + definition.type() + " uses the model tier "
            + definition.modelTier() + ", which is not configured (tiers: " + models.tiers() + ")");
      }
      for (String id : registration.instanceIds()) {
        byId.put(id, new Instance(id, registration.agent(), definition));
      }
      definition.capabilities().forEach(offer -> offered.add(offer.capability()));
    }
    this.instances = Map.copyOf(byId);
    this.capabilities = offered;
  }

  public Optional<Instance> instance(String agentId) {
    return Optional.ofNullable(instances.get(agentId));
  }

  public SortedSet<String> instanceIds() {
    return new TreeSet<>(instances.keySet());
  }

  public boolean offers(String capability) {
    return capabilities.contains(capability);
  }

  public SortedSet<String> capabilities() {
    return new TreeSet<>(capabilities);
  }
}
