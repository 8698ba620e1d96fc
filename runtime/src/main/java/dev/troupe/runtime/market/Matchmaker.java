package dev.troupe.runtime.market;

import dev.troupe.runtime.agent.AgentStatus;
import dev.troupe.sdk.CapabilityOffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Ranks advertised agents for a capability. Pure. Only agents that offer the capability, are
 * available and fit the constraints qualify. Those whose reputation is within
 * {@value #REPUTATION_TOLERANCE} of the best form the top tier and count as equally reputable:
 * otherwise one early success would win an instance every later step, and its siblings could never
 * build a record. Within the top tier, lower load (in-flight steps over the agent's limit) wins,
 * then lower cost; agents still equal take turns, by {@code turn}, so work spreads across
 * instances. Agents below the top tier follow, best reputation first.
 */
public final class Matchmaker {
  static final double REPUTATION_TOLERANCE = 0.1;

  private Matchmaker() {}

  public static MatchReply rank(
      Collection<Advertisement> ads, String capability, MatchConstraints constraints, Set<String> exclude, long turn) {
    SortedSet<String> known = new TreeSet<>();
    List<Candidate> qualified = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    for (Advertisement ad : ads) {
      ad.capabilities().forEach(offer -> known.add(offer.capability()));
      var offer = ad.offer(capability);
      if (offer.isEmpty()) {
        continue;
      }
      String why = disqualified(ad, offer.get(), constraints, exclude);
      if (why != null) {
        reasons.add(why);
        continue;
      }
      qualified.add(new Candidate(ad.agentId(), ad.reputation(), ad.inFlight(), ad.maxConcurrent(),
          offer.get().sla().costUsdPerCall(), offer.get().sla().p95Latency()));
    }
    if (!known.contains(capability)) {
      return new MatchReply.UnknownCapability(capability, known);
    }
    if (qualified.isEmpty()) {
      reasons.sort(Comparator.naturalOrder());
      return new MatchReply.NoneAvailable(capability, reasons);
    }
    double best = qualified.stream().mapToDouble(Candidate::reputation).max().orElse(0);
    Comparator<Candidate> order = Comparator
        // The top tier sorts first (-2 is below any -reputation); below it, higher reputation first.
        .comparingDouble((Candidate c) -> c.reputation() >= best - REPUTATION_TOLERANCE ? -2.0 : -c.reputation())
        .thenComparingDouble(Candidate::load)
        .thenComparing(Candidate::costUsdPerCall);
    qualified.sort(order.thenComparing(Candidate::agentId));
    int ties = 1;
    while (ties < qualified.size() && order.compare(qualified.get(0), qualified.get(ties)) == 0) {
      ties++;
    }
    List<Candidate> ranked = new ArrayList<>(qualified.size());
    int start = (int) Math.floorMod(turn, (long) ties);
    for (int i = 0; i < ties; i++) {
      ranked.add(qualified.get((start + i) % ties));
    }
    ranked.addAll(qualified.subList(ties, qualified.size()));
    reasons.sort(Comparator.naturalOrder());
    return new MatchReply.CapabilityMatch(capability, List.copyOf(ranked), why(ranked, best, ties), reasons);
  }

  /** Why the first of {@code ranked} won, in the order the ranking decides. */
  static String why(List<Candidate> ranked, double best, int ties) {
    Candidate winner = ranked.get(0);
    long inTopTier = ranked.stream().filter(c -> c.reputation() >= best - REPUTATION_TOLERANCE).count();
    StringBuilder why = new StringBuilder(String.format(java.util.Locale.ROOT,
        "reputation %.2f, within %.1f of the best (%.2f)", winner.reputation(), REPUTATION_TOLERANCE, best));
    if (ranked.size() == 1) {
      return why.append("; the only qualified agent").toString();
    }
    why.append(String.format(java.util.Locale.ROOT, "; of %d in that tier, load %d/%d and cost %s per call",
        inTopTier, winner.inFlight(), winner.maxConcurrent(), winner.costUsdPerCall().toPlainString()));
    if (ties > 1) {
      why.append("; ").append(ties).append(" agents equal on all of these take turns");
    } else if (inTopTier > 1) {
      why.append(" ranked it first");
    }
    return why.toString();
  }

  private static String disqualified(Advertisement ad, CapabilityOffer offer, MatchConstraints c, Set<String> exclude) {
    if (exclude.contains(ad.agentId())) {
      return ad.agentId() + " already failed this step";
    }
    if (ad.status() != AgentStatus.AVAILABLE) {
      return ad.agentId() + " is " + ad.status();
    }
    return misfit(ad, offer, c);
  }

  /**
   * Whether a request that no agent can take now is worth holding until one has capacity: some
   * agent that offers the capability, fits the constraints and was not excluded is only BUSY.
   * A degraded agent does not count (it comes back after a cool-down, not when a step ends).
   */
  public static boolean worthWaiting(
      Collection<Advertisement> ads, String capability, MatchConstraints constraints, Set<String> exclude) {
    for (Advertisement ad : ads) {
      var offer = ad.offer(capability);
      if (offer.isPresent() && ad.status() == AgentStatus.BUSY && !exclude.contains(ad.agentId())
          && misfit(ad, offer.get(), constraints) == null) {
        return true;
      }
    }
    return false;
  }

  private static String misfit(Advertisement ad, CapabilityOffer offer, MatchConstraints c) {
    if (c.maxCostUsdPerCall() != null && offer.sla().costUsdPerCall().compareTo(c.maxCostUsdPerCall()) > 0) {
      return ad.agentId() + " costs $" + offer.sla().costUsdPerCall().toPlainString() + " per call, over $"
          + c.maxCostUsdPerCall().toPlainString();
    }
    if (c.maxP95Latency() != null && offer.sla().p95Latency().compareTo(c.maxP95Latency()) > 0) {
      return ad.agentId() + " promises p95 " + offer.sla().p95Latency() + ", over " + c.maxP95Latency();
    }
    return null;
  }
}
