package dev.troupe.sdk;

import dev.troupe.runtime.workflow.WorkflowDefinition;
import java.util.List;
import java.util.Objects;

/** The agents, tools, models and workflows a node runs; the workflows are registered at start. */
public record TroupeComponents(
    List<AgentRegistration> agents, List<Tool> tools, ModelGateway models, List<WorkflowDefinition> workflows) {
  public TroupeComponents {
    agents = List.copyOf(agents);
    tools = List.copyOf(tools);
    Objects.requireNonNull(models, "models");
    workflows = List.copyOf(workflows);
  }

  public TroupeComponents(List<AgentRegistration> agents, List<Tool> tools, ModelGateway models) {
    this(agents, tools, models, List.of());
  }
}
