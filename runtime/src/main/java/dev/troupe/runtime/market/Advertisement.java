package dev.troupe.runtime.market;

import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.agent.AgentStatus;
import dev.troupe.sdk.CapabilityOffer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What an agent instance tells the marketplace about itself; sent on start and on every change. */
public record Advertisement(
    String agentId, String type, String role, List<CapabilityOffer> capabilities, AgentStatus status,
    int inFlight, int maxConcurrent, long completed, long failed, double reputation, Instant at)
    implements TroupeSerializable {

  public Advertisement {
    capabilities = List.copyOf(capabilities);
  }

  public Optional<CapabilityOffer> offer(String capability) {
    return capabilities.stream().filter(o -> o.capability().equals(capability)).findFirst();
  }

  Advertisement withInFlight(int newInFlight) {
    AgentStatus newStatus = status == AgentStatus.AVAILABLE && newInFlight >= maxConcurrent ? AgentStatus.BUSY : status;
    return new Advertisement(agentId, type, role, capabilities, newStatus, newInFlight, maxConcurrent, completed,
        failed, reputation, at);
  }
}
