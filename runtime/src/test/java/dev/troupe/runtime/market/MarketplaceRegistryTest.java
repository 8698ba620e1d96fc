package dev.troupe.runtime.market;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.troupe.runtime.agent.AgentStatus;
import dev.troupe.sdk.CapabilityOffer;
import dev.troupe.sdk.Sla;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The marketplace holds match requests while the agents that could take them are busy. */
class MarketplaceRegistryTest {
  private static final ActorTestKit kit = ActorTestKit.create();
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static final String CAP = "work.do";

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  private static ActorRef<MarketplaceRegistry.Command> registry() {
    ActorRef<Topic.Command<MarketplaceRegistry.Command>> topic = kit.spawn(
        Topic.create(MarketplaceRegistry.Command.class, "market-" + TOPICS.incrementAndGet()));
    return kit.spawn(MarketplaceRegistry.create(topic, Duration.ofMinutes(1), Clock.systemUTC()));
  }

  private static MarketplaceRegistry.Advertise ad(String id, AgentStatus status, int inFlight) {
    return new MarketplaceRegistry.Advertise(new Advertisement(id, "worker", "works",
        List.of(new CapabilityOffer(CAP, Sla.of(Duration.ofSeconds(2), "0.001"))), status, inFlight, 1, 0, 0, 0.5,
        Instant.now()));
  }

  private static MarketplaceRegistry.Match match(int priority, Duration wait, TestProbe<MatchReply> probe) {
    return new MarketplaceRegistry.Match(CAP, MatchConstraints.NONE, Set.of(), priority, wait, probe.ref());
  }

  @Test
  void aRequestWaitsWhileEveryAgentIsBusyAndIsAnsweredWhenOneFreesUp() {
    var registry = registry();
    registry.tell(ad("w-1", AgentStatus.BUSY, 1));
    TestProbe<MatchReply> probe = kit.createTestProbe();
    registry.tell(match(1, Duration.ofSeconds(30), probe));
    probe.expectNoMessage(Duration.ofMillis(200));
    registry.tell(ad("w-1", AgentStatus.AVAILABLE, 0));
    var found = assertInstanceOf(MatchReply.CapabilityMatch.class, probe.receiveMessage(Duration.ofSeconds(3)));
    assertEquals("w-1", found.ranked().get(0).agentId());
  }

  @Test
  void freedCapacityGoesToTheHighestPriorityThenToWhoCameFirst() {
    var registry = registry();
    registry.tell(ad("w-1", AgentStatus.BUSY, 1));
    TestProbe<MatchReply> lowFirst = kit.createTestProbe();
    TestProbe<MatchReply> normal = kit.createTestProbe();
    TestProbe<MatchReply> high = kit.createTestProbe();
    TestProbe<MatchReply> lowSecond = kit.createTestProbe();
    registry.tell(match(0, Duration.ofSeconds(30), lowFirst));
    registry.tell(match(1, Duration.ofSeconds(30), normal));
    registry.tell(match(2, Duration.ofSeconds(30), high));
    registry.tell(match(0, Duration.ofSeconds(30), lowSecond));
    List<TestProbe<MatchReply>> expected = List.of(high, normal, lowFirst, lowSecond);
    for (TestProbe<MatchReply> next : expected) {
      // One slot frees up at a time; the agent's own advertisement after each match fills it again.
      registry.tell(ad("w-1", AgentStatus.AVAILABLE, 0));
      assertInstanceOf(MatchReply.CapabilityMatch.class, next.receiveMessage(Duration.ofSeconds(3)));
      for (TestProbe<MatchReply> other : expected) {
        if (other != next) {
          other.expectNoMessage(Duration.ofMillis(50));
        }
      }
      registry.tell(ad("w-1", AgentStatus.BUSY, 1));
    }
  }

  @Test
  void aNewRequestDoesNotJumpTheLineOfEqualOrHigherPriority() {
    var registry = registry();
    registry.tell(ad("w-1", AgentStatus.BUSY, 1));
    TestProbe<MatchReply> waiting = kit.createTestProbe();
    registry.tell(match(1, Duration.ofSeconds(30), waiting));
    registry.tell(ad("w-1", AgentStatus.AVAILABLE, 0));
    assertInstanceOf(MatchReply.CapabilityMatch.class, waiting.receiveMessage(Duration.ofSeconds(3)));
    // The registry now counts w-1 as busy (one in flight of one): a newcomer waits.
    TestProbe<MatchReply> newcomer = kit.createTestProbe();
    registry.tell(match(1, Duration.ofSeconds(30), newcomer));
    newcomer.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aWaitThatRunsOutIsAnsweredNoneAvailableWithTheReason() {
    var registry = registry();
    registry.tell(ad("w-1", AgentStatus.BUSY, 1));
    TestProbe<MatchReply> probe = kit.createTestProbe();
    registry.tell(match(1, Duration.ofMillis(300), probe));
    var none = assertInstanceOf(MatchReply.NoneAvailable.class, probe.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(List.of("w-1 is BUSY"), none.reasons());
  }

  @Test
  void withoutAWaitOrWithOnlyDegradedAgentsTheAnswerComesAtOnce() {
    var registry = registry();
    registry.tell(ad("w-1", AgentStatus.BUSY, 1));
    TestProbe<MatchReply> noWait = kit.createTestProbe();
    registry.tell(new MarketplaceRegistry.Match(CAP, MatchConstraints.NONE, Set.of(), noWait.ref()));
    assertInstanceOf(MatchReply.NoneAvailable.class, noWait.receiveMessage(Duration.ofSeconds(3)));

    registry.tell(ad("w-1", AgentStatus.DEGRADED, 0));
    TestProbe<MatchReply> degraded = kit.createTestProbe();
    registry.tell(match(1, Duration.ofSeconds(30), degraded));
    var none = assertInstanceOf(MatchReply.NoneAvailable.class, degraded.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(List.of("w-1 is DEGRADED"), none.reasons());
  }

  @Test
  void aWaiterWaitsWhileAnAgentItCouldUseIsBusyAndIsToldAtOnceWhenNoneIsLeft() {
    var registry = registry();
    registry.tell(ad("w-1", AgentStatus.BUSY, 1));
    registry.tell(ad("w-2", AgentStatus.BUSY, 1));
    TestProbe<MatchReply> probe = kit.createTestProbe();
    registry.tell(match(1, Duration.ofSeconds(30), probe));
    probe.expectNoMessage(Duration.ofMillis(100));
    registry.tell(ad("w-1", AgentStatus.DEGRADED, 0));
    probe.expectNoMessage(Duration.ofMillis(100)); // w-2 is still only busy
    registry.tell(new MarketplaceRegistry.Withdraw("w-2", "stopped"));
    var none = assertInstanceOf(MatchReply.NoneAvailable.class, probe.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(List.of("w-1 is DEGRADED"), none.reasons());
  }
}
