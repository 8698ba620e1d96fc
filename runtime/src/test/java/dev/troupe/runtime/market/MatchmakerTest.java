package dev.troupe.runtime.market;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.troupe.runtime.agent.AgentStatus;
import dev.troupe.sdk.CapabilityOffer;
import dev.troupe.sdk.Sla;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MatchmakerTest {
  private static final String CAP = "text.summarize";

  private static Advertisement ad(String id, double reputation, int inFlight, String cost, Duration p95,
      AgentStatus status) {
    return new Advertisement(id, "summarizer", "sums", List.of(new CapabilityOffer(CAP, Sla.of(p95, cost)),
        new CapabilityOffer("text.translate", Sla.of(p95, cost))), status, inFlight, 4, 0, 0, reputation,
        Instant.EPOCH);
  }

  private static Advertisement ad(String id, double reputation, int inFlight, String cost) {
    return ad(id, reputation, inFlight, cost, Duration.ofSeconds(2), AgentStatus.AVAILABLE);
  }

  private static List<String> ranked(MatchReply reply) {
    return assertInstanceOf(MatchReply.CapabilityMatch.class, reply).ranked().stream().map(Candidate::agentId).toList();
  }

  @Test
  void aClearlyBetterReputationWins() {
    var ads = List.of(ad("a-1", 0.55, 0, "0.001"), ad("a-2", 0.9, 0, "0.001"), ad("a-3", 0.7, 0, "0.001"));
    assertEquals(List.of("a-2", "a-3", "a-1"), ranked(Matchmaker.rank(ads, CAP, MatchConstraints.NONE, Set.of(), 0)));
  }

  @Test
  void withinTheTopTierLowerLoadThenLowerCostWins() {
    var ads = List.of(ad("a-1", 0.90, 3, "0.001"), ad("a-2", 0.85, 0, "0.002"), ad("a-3", 0.82, 0, "0.001"));
    assertEquals(List.of("a-3", "a-2", "a-1"), ranked(Matchmaker.rank(ads, CAP, MatchConstraints.NONE, Set.of(), 0)));
  }

  @Test
  void equalAgentsTakeTurns() {
    var ads = List.of(ad("s-1", 0.87, 0, "0.001"), ad("s-2", 0.8, 0, "0.001"), ad("s-3", 0.8, 0, "0.001"));
    Set<String> firsts = new HashSet<>();
    for (long turn = 0; turn < 3; turn++) {
      firsts.add(ranked(Matchmaker.rank(ads, CAP, MatchConstraints.NONE, Set.of(), turn)).get(0));
    }
    assertEquals(Set.of("s-1", "s-2", "s-3"), firsts, "an early success must not starve the siblings");
  }

  @Test
  void constraintsStatusAndExclusionsDisqualifyWithReasons() {
    var ads = new ArrayList<>(List.of(
        ad("cheap-slow", 0.9, 0, "0.001", Duration.ofSeconds(30), AgentStatus.AVAILABLE),
        ad("fast-pricey", 0.9, 0, "0.50", Duration.ofSeconds(1), AgentStatus.AVAILABLE),
        ad("degraded", 0.9, 0, "0.001", Duration.ofSeconds(1), AgentStatus.DEGRADED),
        ad("busy", 0.9, 4, "0.001", Duration.ofSeconds(1), AgentStatus.BUSY),
        ad("failed-before", 0.9, 0, "0.001", Duration.ofSeconds(1), AgentStatus.AVAILABLE)));
    MatchConstraints limits = new MatchConstraints(new BigDecimal("0.10"), Duration.ofSeconds(5));
    MatchReply none = Matchmaker.rank(ads, CAP, limits, Set.of("failed-before"), 0);
    assertEquals(new MatchReply.NoneAvailable(CAP, List.of(
        "busy is BUSY",
        "cheap-slow promises p95 PT30S, over PT5S",
        "degraded is DEGRADED",
        "failed-before already failed this step",
        "fast-pricey costs $0.50 per call, over $0.10")), none);

    ads.add(ad("just-right", 0.5, 0, "0.05", Duration.ofSeconds(4), AgentStatus.AVAILABLE));
    assertEquals(List.of("just-right"), ranked(Matchmaker.rank(ads, CAP, limits, Set.of("failed-before"), 0)));
  }

  @Test
  void anUnknownCapabilityListsTheKnownOnes() {
    MatchReply reply = Matchmaker.rank(List.of(ad("a-1", 0.9, 0, "0")), "image.paint", MatchConstraints.NONE, Set.of(), 0);
    SortedSet<String> known = new TreeSet<>(List.of("text.summarize", "text.translate"));
    assertEquals(new MatchReply.UnknownCapability("image.paint", known), reply);
    assertEquals("no agent offers 'image.paint' (known: text.summarize, text.translate)", MatchReply.describe(reply));
  }

  @Test
  void theMatchSaysWhyTheFirstWonAndWhoDidNotQualify() {
    var ads = List.of(ad("a-1", 0.90, 3, "0.001"), ad("a-2", 0.85, 0, "0.002"), ad("a-3", 0.82, 0, "0.001"),
        ad("a-4", 0.5, 0, "0.001", Duration.ofSeconds(1), AgentStatus.DEGRADED));
    var match = (MatchReply.CapabilityMatch) Matchmaker.rank(ads, CAP, MatchConstraints.NONE, Set.of(), 0);
    assertEquals("a-3", match.ranked().get(0).agentId());
    assertEquals("reputation 0.82, within 0.1 of the best (0.90); of 3 in that tier, load 0/4 and cost 0.001 per call"
        + " ranked it first", match.why());
    assertEquals(List.of("a-4 is DEGRADED"), match.passedOver());

    var alone = (MatchReply.CapabilityMatch) Matchmaker.rank(List.of(ad("a-1", 0.7, 0, "0.001")), CAP,
        MatchConstraints.NONE, Set.of(), 0);
    assertEquals("reputation 0.70, within 0.1 of the best (0.70); the only qualified agent", alone.why());

    var equal = (MatchReply.CapabilityMatch) Matchmaker.rank(List.of(ad("s-1", 0.8, 0, "0.001"),
        ad("s-2", 0.8, 0, "0.001")), CAP, MatchConstraints.NONE, Set.of(), 0);
    assertEquals("reputation 0.80, within 0.1 of the best (0.80); of 2 in that tier, load 0/4 and cost 0.001 per call;"
        + " 2 agents equal on all of these take turns", equal.why());
  }
}
