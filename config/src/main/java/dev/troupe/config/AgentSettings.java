package dev.troupe.config;

/** {@code troupe.agents}: resources for running agent code. */
public record AgentSettings(int workerThreads) {
  public static AgentSettings create(ConfigReader agents) {
    return new AgentSettings(agents.intInRange("worker-threads", 1, 1024));
  }
}
