package dev.troupe.runtime.task;

import dev.troupe.runtime.agent.AgentEntity;

/** How a task reaches an agent instance by id, wherever in the cluster it lives. */
@FunctionalInterface
public interface AgentGateway {
  void runStep(String agentId, AgentEntity.RunStep step);
}
