package dev.troupe.runtime.market;

import dev.troupe.persistence.TroupeSerializable;
import java.util.List;
import java.util.SortedSet;

/** The marketplace's answer to a match request. */
public sealed interface MatchReply extends TroupeSerializable {
  /**
   * Qualified agents, best first; {@code why} the first one won, and {@code passedOver} the agents
   * that offer the capability but did not qualify, with their reasons.
   */
  record CapabilityMatch(String capability, List<Candidate> ranked, String why, List<String> passedOver)
      implements MatchReply {
    public CapabilityMatch {
      passedOver = passedOver == null ? List.of() : List.copyOf(passedOver);
    }

    public CapabilityMatch(String capability, List<Candidate> ranked) {
      this(capability, ranked, null, List.of());
    }
  }

  /** No agent advertises the capability; {@code known} lists those that are. */
  record UnknownCapability(String capability, SortedSet<String> known) implements MatchReply {}

  /** Agents offer it, but none qualifies now; {@code reasons} says why, per agent. */
  record NoneAvailable(String capability, List<String> reasons) implements MatchReply {}

  static String describe(MatchReply reply) {
    if (reply instanceof UnknownCapability u) {
      return "no agent offers '" + u.capability() + "' (known: " + String.join(", ", u.known()) + ")";
    }
    if (reply instanceof NoneAvailable n) {
      return "no agent for '" + n.capability() + "' is available: " + String.join("; ", n.reasons());
    }
    return "matched";
  }
}
