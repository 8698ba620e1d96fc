package dev.troupe.runtime;

import dev.troupe.runtime.agent.AgentRegistration;
import dev.troupe.runtime.model.ModelGateway;
import dev.troupe.runtime.tool.Tool;
import java.util.List;
import java.util.Objects;

/** The agents, tools and models a node runs. */
public record TroupeComponents(List<AgentRegistration> agents, List<Tool> tools, ModelGateway models) {
  public TroupeComponents {
    agents = List.copyOf(agents);
    tools = List.copyOf(tools);
    Objects.requireNonNull(models, "models");
  }
}
