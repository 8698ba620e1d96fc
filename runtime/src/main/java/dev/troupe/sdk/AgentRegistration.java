package dev.troupe.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** An agent and how many instances of it run ({@code <type>-1} .. {@code <type>-n}). */
public record AgentRegistration(Agent agent, int instances) {
  public static final int MAX_INSTANCES = 64;

  public AgentRegistration {
    Objects.requireNonNull(agent, "agent");
    if (instances < 1 || instances > MAX_INSTANCES) {
      throw new IllegalArgumentException("instances must be 1.." + MAX_INSTANCES + ", was " + instances);
    }
  }

  public static AgentRegistration of(Agent agent) {
    return new AgentRegistration(agent, 1);
  }

  public List<String> instanceIds() {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= instances; i++) {
      ids.add(agent.definition().type() + "-" + i);
    }
    return ids;
  }
}
