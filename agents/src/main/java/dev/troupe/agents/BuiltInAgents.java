package dev.troupe.agents;

import dev.troupe.runtime.agent.AgentDefinition;
import java.util.List;

/** The agents every Troupe node runs out of the box, all on the offline {@code local} model. */
public final class BuiltInAgents {
  private BuiltInAgents() {}

  public static List<AgentDefinition> all() {
    LocalModel local = new LocalModel();
    return List.of(SummarizerAgent.definition("summarizer-1", local));
  }
}
