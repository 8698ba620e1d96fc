package dev.troupe.runtime.agent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which running agent offers which capability. Immutable; built once the agents are started.
 * Picking by attempt number rotates through the agents of a capability, so a retry after a
 * failure goes to another agent when there is one.
 */
public final class AgentDirectory {
  private final Map<String, AgentHandle> byId;
  private final Map<String, List<AgentHandle>> byCapability;

  public AgentDirectory(Collection<AgentDefinition> definitions, Map<String, AgentHandle> handles) {
    Map<String, AgentHandle> ids = new LinkedHashMap<>();
    Map<String, List<AgentHandle>> capabilities = new TreeMap<>();
    for (AgentDefinition definition : definitions) {
      AgentHandle handle = handles.get(definition.id());
      if (handle == null) {
        throw new IllegalArgumentException("agent " + definition.id() + " has no runner");
      }
      ids.put(definition.id(), handle);
      for (String capability : definition.capabilities()) {
        capabilities.computeIfAbsent(capability, c -> new ArrayList<>()).add(handle);
      }
    }
    this.byId = Map.copyOf(ids);
    capabilities.replaceAll((c, list) -> List.copyOf(list));
    this.byCapability = capabilities;
  }

  /** The agent for the given attempt (1-based) of a step needing {@code capability}. */
  public Optional<AgentHandle> pick(String capability, int attempt) {
    List<AgentHandle> candidates = byCapability.get(capability);
    if (candidates == null || candidates.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(candidates.get(Math.floorMod(attempt - 1, candidates.size())));
  }

  public Optional<AgentHandle> byId(String agentId) {
    return Optional.ofNullable(byId.get(agentId));
  }

  public boolean offers(String capability) {
    return byCapability.containsKey(capability);
  }

  public SortedSet<String> capabilities() {
    return new TreeSet<>(byCapability.keySet());
  }
}
