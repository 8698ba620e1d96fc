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

  /**
   * Ranked agents for {@code capability}, leaving out {@code exclude} (e.g. agents that failed the
   * step). When every agent that could take it is busy, the request waits in the capability's
   * line (higher {@code priority} first, then first come) for up to {@code maxWait}, and is
   * answered as soon as one has capacity; after that the answer is {@link MatchReply.NoneAvailable}.
   */
  public record Match(String capability, MatchConstraints constraints, Set<String> exclude, int priority,
      Duration maxWait, ActorRef<MatchReply> replyTo) implements Command {
    public Match {
      maxWait = maxWait == null || maxWait.isNegative() ? Duration.ZERO : maxWait;
    }

    /** Answered at once, whatever the agents' load. */
    public Match(String capability, MatchConstraints constraints, Set<String> exclude, ActorRef<MatchReply> replyTo) {
      this(capability, constraints, exclude, 0, Duration.ZERO, replyTo);
    }
  }

  public record ListAgents(ActorRef<AgentList> replyTo) implements Command {}

  public record AgentList(List<Advertisement> agents) implements TroupeSerializable {}

  private enum Sweep implements Command { INSTANCE }

  private record WaitOver(long seq) implements Command {}

  /** How many waiters a line skips over (they exclude the free agent, say) before it stops looking. */
  private static final int LOOKAHEAD = 32;

  /**
   * @param topic the marketplace topic this registry subscribes to
   * @param staleAfter an advertisement older than this is dropped
   */
  public static Behavior<Command> create(ActorRef<Topic.Command<Command>> topic, Duration staleAfter, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new MarketplaceRegistry(context, timers, topic, staleAfter, clock)));
  }

  private final Map<String, Advertisement> ads = new HashMap<>();
  private final WaitingLine<Match> waiting = new WaitingLine<>();
  private final TimerScheduler<Command> timers;
  private final Duration staleAfter;
  private final Clock clock;
  private long turn;

  private MarketplaceRegistry(ActorContext<Command> context, TimerScheduler<Command> timers,
      ActorRef<Topic.Command<Command>> topic, Duration staleAfter, Clock clock) {
    super(context);
    this.timers = timers;
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
        .onMessage(WaitOver.class, this::onWaitOver)
        .build();
  }

  private Behavior<Command> onAdvertise(Advertise advertise) {
    Advertisement ad = advertise.advertisement();
    Advertisement known = ads.get(ad.agentId());
    if (known == null || !ad.at().isBefore(known.at())) {
      ads.put(ad.agentId(), ad);
      // Freed capacity serves the line; a degraded agent may leave a waiter nobody to wait for.
      ad.capabilities().forEach(offer -> serveWaiting(offer.capability()));
    }
    return this;
  }

  private Behavior<Command> onWithdraw(Withdraw withdraw) {
    Advertisement gone = ads.remove(withdraw.agentId());
    if (gone != null) {
      gone.capabilities().forEach(offer -> serveWaiting(offer.capability()));
    }
    return this;
  }

  private Behavior<Command> onMatch(Match match) {
    // Someone already waiting for this capability goes first, unless this request outranks them.
    boolean queueAhead = waiting.head(match.capability()).map(head -> head.priority() >= match.priority())
        .orElse(false);
    MatchReply reply = queueAhead ? null : rank(match);
    if (reply instanceof MatchReply.CapabilityMatch || match.maxWait().isZero()
        || !Matchmaker.worthWaiting(ads.values(), match.capability(), match.constraints(), match.exclude())) {
      answer(match, reply == null ? rank(match) : reply);
      return this;
    }
    long seq = waiting.join(match.capability(), match.priority(), clock.instant().plus(match.maxWait()), match);
    timers.startSingleTimer(new WaitOver(seq), new WaitOver(seq), match.maxWait());
    return this;
  }

  /** Hands freed capacity to the line for {@code capability}, in its order. */
  private void serveWaiting(String capability) {
    int skipped = 0;
    var head = waiting.head(capability);
    while (head.isPresent() && skipped < LOOKAHEAD) {
      WaitingLine.Waiter<Match> waiter = head.get();
      Match match = waiter.request();
      MatchReply reply = rank(match);
      if (reply instanceof MatchReply.CapabilityMatch) {
        waiting.leave(waiter.seq());
        timers.cancel(new WaitOver(waiter.seq()));
        answer(match, reply);
        head = waiting.head(capability);
      } else if (!Matchmaker.worthWaiting(ads.values(), capability, match.constraints(), match.exclude())) {
        // Nobody it could wait for is left (withdrawn or degraded): tell it now.
        waiting.leave(waiter.seq());
        timers.cancel(new WaitOver(waiter.seq()));
        answer(match, reply);
        head = waiting.head(capability);
      } else if (match.exclude().isEmpty() && match.constraints().equals(MatchConstraints.NONE)) {
        return; // no capacity for anyone behind it either
      } else {
        skipped++;
        head = waiting.after(capability, waiter);
      }
    }
  }

  private Behavior<Command> onWaitOver(WaitOver over) {
    waiting.leave(over.seq()).ifPresent(waiter -> answer(waiter.request(), rank(waiter.request())));
    return this;
  }

  private MatchReply rank(Match match) {
    return Matchmaker.rank(ads.values(), match.capability(), match.constraints(), match.exclude(), turn++);
  }

  private void answer(Match match, MatchReply reply) {
    if (reply instanceof MatchReply.CapabilityMatch found) {
      // Count the step against the chosen agent until it advertises again, so a burst of
      // matches spreads instead of piling onto one agent.
      Advertisement chosen = ads.get(found.ranked().get(0).agentId());
      ads.put(chosen.agentId(), chosen.withInFlight(chosen.inFlight() + 1));
    }
    match.replyTo().tell(reply);
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
