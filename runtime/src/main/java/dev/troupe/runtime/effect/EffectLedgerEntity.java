package dev.troupe.runtime.effect;

import dev.troupe.config.SupervisionSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import java.time.Clock;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * One task's effect ledger, keyed by task id: every call of a non-idempotent tool any agent made
 * for the task's steps. An agent claims a call here before it makes it and settles it after, so a
 * retry, a reroute to another agent or a redelivery gets the recorded output, or learns the call
 * is in doubt, instead of calling again. Started on demand, only by tasks that call such tools.
 */
public final class EffectLedgerEntity
    extends EventSourcedBehaviorWithEnforcedReplies<EffectLedgerEntity.Command, JournalEntry, EffectLedgerState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Effects");

  public sealed interface Command extends TroupeSerializable {}

  public record Claim(EffectLedgerState.Claim claim, String traceId, ActorRef<EffectLedgerState.Decision> replyTo)
      implements Command {}

  public record Settle(EffectEvent.EffectSettled settled, String traceId, ActorRef<Done> replyTo) implements Command {}

  /** Gives back a claim whose answer never reached its agent: that agent did not make the call. */
  public record Release(EffectLedgerState.Claim claim, String traceId, ActorRef<Done> replyTo) implements Command {}

  public static String persistenceId(String taskId) {
    return PersistenceId.of(ENTITY_TYPE_KEY.name(), taskId).id();
  }

  public static void init(ActorSystem<?> system, AuditChain chain, Clock clock, SupervisionSettings supervision) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> create(entity, chain, clock, supervision)));
  }

  static Behavior<Command> create(EntityContext<Command> entity, AuditChain chain, Clock clock,
      SupervisionSettings supervision) {
    return Behaviors.supervise(Behaviors.<Command>setup(context ->
            new EffectLedgerEntity(entity.getEntityId(), chain, clock, supervision)))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor()));
  }

  private final String taskId;
  private final AuditChain chain;
  private final Clock clock;

  private EffectLedgerEntity(String taskId, AuditChain chain, Clock clock, SupervisionSettings supervision) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), taskId), SupervisorStrategy.restartWithBackoff(
        supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor()));
    this.taskId = taskId;
    this.chain = chain;
    this.clock = clock;
  }

  @Override
  public EffectLedgerState emptyState() {
    return EffectLedgerState.EMPTY;
  }

  @Override
  public Set<String> tagsFor(JournalEntry event) {
    return Set.of();
  }

  @Override
  public EventHandler<EffectLedgerState, JournalEntry> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(EffectLedgerState::apply);
  }

  @Override
  public CommandHandlerWithReply<Command, JournalEntry, EffectLedgerState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Claim.class, this::onClaim)
        .onCommand(Settle.class, this::onSettle)
        .onCommand(Release.class, this::onRelease)
        .build();
  }

  private ReplyEffect<JournalEntry, EffectLedgerState> onClaim(EffectLedgerState state, Claim command) {
    EffectLedgerState.Decision decision = state.decide(command.claim());
    if (decision instanceof EffectLedgerState.Decision.Go go) {
      return Effect().persist(chain.after(state.chainHead())
              .add(context(command.claim().agentId(), command.traceId()), go.claimed()).entries())
          .thenReply(command.replyTo(), s -> decision);
    }
    return Effect().reply(command.replyTo(), decision);
  }

  private ReplyEffect<JournalEntry, EffectLedgerState> onSettle(EffectLedgerState state, Settle command) {
    if (!state.settles(command.settled())) {
      return Effect().reply(command.replyTo(), Done.getInstance()); // settled already, or taken over
    }
    return Effect().persist(chain.after(state.chainHead())
            .add(context(command.settled().agentId(), command.traceId()), command.settled()).entries())
        .thenReply(command.replyTo(), s -> Done.getInstance());
  }

  private ReplyEffect<JournalEntry, EffectLedgerState> onRelease(EffectLedgerState state, Release command) {
    return state.release(command.claim())
        .map(released -> Effect().persist(chain.after(state.chainHead())
                .add(context(command.claim().agentId(), command.traceId()), released).entries())
            .thenReply(command.replyTo(), s -> Done.getInstance()))
        .orElseGet(() -> Effect().reply(command.replyTo(), Done.getInstance()));
  }

  private AuditContext context(String agentId, String traceId) {
    return new AuditContext(clock.instant(), AuditActor.agent(agentId), traceId, taskId);
  }
}
