package dev.troupe.runtime.agent;

import dev.troupe.config.SupervisionSettings;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The {@code agents} actor: parent of one runner per agent, each restarted with backoff if the
 * actor itself crashes. Hands the runners' handles out once they are spawned.
 */
public final class AgentsSupervisor {
  private AgentsSupervisor() {}

  public static Behavior<Void> create(
      List<AgentDefinition> agents,
      Executor agentExecutor,
      Clock clock,
      SupervisionSettings supervision,
      CompletableFuture<Map<String, AgentHandle>> started) {
    return Behaviors.setup(context -> {
      Map<String, AgentHandle> handles = new LinkedHashMap<>();
      for (AgentDefinition agent : agents) {
        var runner = context.spawn(
            Behaviors.supervise(AgentRunner.create(agent, agentExecutor, clock))
                .onFailure(SupervisorStrategy.restartWithBackoff(
                    supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor())),
            "agent-" + agent.id());
        handles.put(agent.id(), new AgentHandle(agent.id(), runner));
      }
      started.complete(Map.copyOf(handles));
      return Behaviors.empty();
    });
  }
}
