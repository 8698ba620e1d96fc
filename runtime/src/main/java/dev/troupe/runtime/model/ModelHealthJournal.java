package dev.troupe.runtime.model;

import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.guard.CircuitBreakers;
import java.time.Clock;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The node's journal of its models' and tools' health: every change of a circuit breaker's state,
 * stamped and hash-chained like every other journal, so an operator or auditor can see when a
 * model was taken out of a tier (or a tool out of use) and when it came back. One per node
 * ({@code models|<node address>}).
 */
public final class ModelHealthJournal
    extends EventSourcedBehavior<ModelHealthJournal.Changed, JournalEntry, ChainHead> {
  /** A breaker changed state (told by {@link CircuitBreakers}'s listener); {@code tool} if it is a tool's. */
  public record Changed(String name, String from, String to, boolean tool) {
    public Changed(String model, String from, String to) {
      this(model, from, to, false);
    }
  }

  private static final AuditActor BREAKERS = AuditActor.system("model-breakers");

  private final AuditChain chain;
  private final Clock clock;

  public static Behavior<Changed> create(String node, AuditChain chain, Clock clock) {
    return Behaviors.setup(context -> new ModelHealthJournal(node, chain, clock));
  }

  private ModelHealthJournal(String node, AuditChain chain, Clock clock) {
    super(PersistenceId.of("models", node));
    this.chain = chain;
    this.clock = clock;
  }

  /** The journal's id for a node, e.g. {@code models|127.0.0.1:25520}. */
  public static String persistenceId(String node) {
    return PersistenceId.of("models", node).id();
  }

  @Override
  public ChainHead emptyState() {
    return ChainHead.EMPTY;
  }

  @Override
  public CommandHandler<Changed, JournalEntry, ChainHead> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onCommand(Changed.class, (head, changed) ->
        Effect().persist(chain.after(head).add(new AuditContext(clock.instant(), BREAKERS, null, null),
            changed.tool() ? new ModelHealthEvent.ToolBreakerStateChanged(changed.name(), changed.from(), changed.to())
                : new ModelHealthEvent.BreakerStateChanged(changed.name(), changed.from(), changed.to())).entries()))
        .build();
  }

  @Override
  public EventHandler<ChainHead, JournalEntry> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((head, entry) -> head.after(entry.stamp()));
  }
}
