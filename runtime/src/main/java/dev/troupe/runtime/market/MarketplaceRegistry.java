package dev.troupe.runtime.market;

import dev.troupe.persistence.TroupeSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * The marketplace: which agents offer what, how available and how reputable they are, and the
 * ranked match for a capability. Its view is soft state built from the agents' advertisements,
 * which arrive through a cluster-wide topic, so every node's registry sees every agent. An
 * advertisement not renewed in time (its node is gone) is dropped. Reputation itself lives in
 * each agent's journal, so nothing here needs persisting.
 */
public final class MarketplaceRegistry extends AbstractBehavior<MarketplaceRegistry.Command> {
  public static final String TOPIC = "troupe-marketplace";

  public sealed interface Command extends TroupeSerializable {}

  public record Advertise(Advertisement advertisement) implements Command {}

  public record Withdraw(String agentId, String reason) implements Command {}

  /** Ranked agents for {@code capability}, leaving out {@code exclude} (e.g. agents that failed the step). */
  public record Match(String capability, MatchConstraints constraints, Set<String> exclude, ActorRef<MatchReply> replyTo)
      implements Command {}

  public record ListAgents(ActorRef<AgentList> replyTo) implements Command {}

  public record AgentList(List<Advertisement> agents) implements TroupeSerializable {}

  private enum Sweep implements Command { INSTANCE }

  /**
   * @param topic the marketplace topic this registry subscribes to
   * @param staleAfter an advertisement older than this is dropped
   */
  public static Behavior<Command> create(ActorRef<Topic.Command<Command>> topic, Duration staleAfter, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new MarketplaceRegistry(context, timers, topic, staleAfter, clock)));
  }

  private final Map<String, Advertisement> ads = new HashMap<>();
  private final Duration staleAfter;
  private final Clock clock;
  private long turn;

  private MarketplaceRegistry(ActorContext<Command> context, TimerScheduler<Command> timers,
      ActorRef<Topic.Command<Command>> topic, Duration staleAfter, Clock clock) {
    super(context);
    this.staleAfter = staleAfter;
    this.clock = clock;
    topic.tell(Topic.subscribe(context.getSelf()));
    timers.startTimerWithFixedDelay(Sweep.INSTANCE, staleAfter);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Advertise.class, this::onAdvertise)
        .onMessage(Withdraw.class, this::onWithdraw)
        .onMessage(Match.class, this::onMatch)
        .onMessage(ListAgents.class, this::onList)
        .onMessageEquals(Sweep.INSTANCE, this::onSweep)
        .build();
  }

  private Behavior<Command> onAdvertise(Advertise advertise) {
    Advertisement ad = advertise.advertisement();
    Advertisement known = ads.get(ad.agentId());
    if (known == null || !ad.at().isBefore(known.at())) {
      ads.put(ad.agentId(), ad);
    }
    return this;
  }

  private Behavior<Command> onWithdraw(Withdraw withdraw) {
    ads.remove(withdraw.agentId());
    return this;
  }

  private Behavior<Command> onMatch(Match match) {
    MatchReply reply = Matchmaker.rank(ads.values(), match.capability(), match.constraints(), match.exclude(), turn++);
    if (reply instanceof MatchReply.CapabilityMatch found) {
      // Count the step against the chosen agent until it advertises again, so a burst of
      // matches spreads instead of piling onto one agent.
      Advertisement chosen = ads.get(found.ranked().get(0).agentId());
      ads.put(chosen.agentId(), chosen.withInFlight(chosen.inFlight() + 1));
    }
    match.replyTo().tell(reply);
    return this;
  }

  private Behavior<Command> onList(ListAgents list) {
    List<Advertisement> all = new ArrayList<>(ads.values());
    all.sort((a, b) -> a.agentId().compareTo(b.agentId()));
    list.replyTo().tell(new AgentList(List.copyOf(all)));
    return this;
  }

  private Behavior<Command> onSweep() {
    Instant cutoff = clock.instant().minus(staleAfter);
    ads.values().removeIf(ad -> ad.at().isBefore(cutoff));
    return this;
  }
}
