package dev.troupe.http.auth;

import dev.troupe.config.SupervisionSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * One tenant's keys created over the API, event sourced (sharded by tenant). It keeps names and
 * hashes only: the key is shown once to the admin who created it and never stored.
 */
public final class KeyRing extends EventSourcedBehaviorWithEnforcedReplies<KeyRing.Command, JournalEntry, KeyRing.State> {
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "KeyRing");
  public static final String TAG = "keys";

  public sealed interface Command extends TroupeSerializable {}

  public record Create(String name, String sha256, List<String> roles, AuditActor by, ActorRef<Reply> replyTo)
      implements Command {}

  public record Revoke(String name, AuditActor by, ActorRef<Reply> replyTo) implements Command {}

  public record ListKeys(ActorRef<Reply> replyTo) implements Command {}

  public sealed interface Reply extends TroupeSerializable {}

  /** The key as the ring holds it: no secret, only what an admin may see (and its hash). */
  public record KeyInfo(String name, String tenant, List<String> roles, Instant createdAt, String createdBy,
      String sha256) implements TroupeSerializable {}

  public record Done(KeyInfo key) implements Reply {}

  public record Keys(List<KeyInfo> keys) implements Reply {}

  public record NameTaken(String name) implements Reply {}

  public record Unknown(String name) implements Reply {}

  /** The ring: live keys by name, and the chain head for the next stamp. */
  public record State(Map<String, KeyInfo> keys, ChainHead chainHead) implements TroupeSerializable {
    public State {
      keys = Map.copyOf(keys);
    }

    State apply(JournalEntry entry) {
      Map<String, KeyInfo> next = new LinkedHashMap<>(keys);
      if (entry.event() instanceof KeyEvent.KeyCreated created) {
        next.put(created.name(), new KeyInfo(created.name(), created.tenant(), created.roles(), entry.stamp().at(),
            entry.stamp().actor().id(), created.sha256()));
      } else if (entry.event() instanceof KeyEvent.KeyRevoked revoked) {
        next.remove(revoked.name());
      }
      return new State(next, chainHead.after(entry.stamp()));
    }
  }

  public static Behavior<Command> create(String tenant, AuditChain chain, Clock clock, SupervisionSettings supervision) {
    return Behaviors.supervise(Behaviors.<Command>setup(context -> new KeyRing(tenant, chain, clock, supervision)))
        .onFailure(SupervisorStrategy.restartWithBackoff(supervision.minBackoff(), supervision.maxBackoff(),
            supervision.randomFactor()));
  }

  private final String tenant;
  private final AuditChain chain;
  private final Clock clock;

  private KeyRing(String tenant, AuditChain chain, Clock clock, SupervisionSettings supervision) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), tenant), SupervisorStrategy.restartWithBackoff(
        supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor()));
    this.tenant = tenant;
    this.chain = chain;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(Map.of(), ChainHead.EMPTY);
  }

  @Override
  public Set<String> tagsFor(JournalEntry event) {
    return Set.of(TAG);
  }

  @Override
  public EventHandler<State, JournalEntry> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public CommandHandlerWithReply<Command, JournalEntry, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Revoke.class, this::onRevoke)
        .onCommand(ListKeys.class, (state, list) -> Effect().reply(list.replyTo(),
            new Keys(List.copyOf(state.keys().values()))))
        .build();
  }

  private ReplyEffect<JournalEntry, State> onCreate(State state, Create create) {
    if (state.keys().containsKey(create.name())) {
      return Effect().reply(create.replyTo(), new NameTaken(create.name()));
    }
    KeyEvent event = new KeyEvent.KeyCreated(create.name(), tenant, create.sha256(), create.roles());
    return Effect().persist(chain.after(state.chainHead()).add(
            new AuditContext(clock.instant(), create.by(), null, null), event).entries())
        .thenReply(create.replyTo(), s -> new Done(s.keys().get(create.name())));
  }

  private ReplyEffect<JournalEntry, State> onRevoke(State state, Revoke revoke) {
    KeyInfo key = state.keys().get(revoke.name());
    if (key == null) {
      return Effect().reply(revoke.replyTo(), new Unknown(revoke.name()));
    }
    KeyEvent event = new KeyEvent.KeyRevoked(key.name(), tenant, key.sha256());
    return Effect().persist(chain.after(state.chainHead()).add(
            new AuditContext(clock.instant(), revoke.by(), null, null), event).entries())
        .thenReply(revoke.replyTo(), s -> new Done(key));
  }
}
