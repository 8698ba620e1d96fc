package dev.troupe.runtime.agent;

/** An agent instance as the marketplace sees it. */
public enum AgentStatus {
  /** Offers its capabilities. */
  AVAILABLE,
  /** Running as many steps as its limit allows. */
  BUSY,
  /** Withdrawn after repeated failures; offers again after a cool-down. */
  DEGRADED,
  /** Not running (its node left, or it was removed from the configuration). */
  STOPPED
}
