package dev.troupe.runtime.workflow;

import dev.troupe.config.SupervisionSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import java.time.Clock;
import java.util.Set;
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
 * One workflow's versions, as a persistent actor keyed by {@link WorkflowKey#entityId()}: its
 * name, and its tenant unless it is shared. Registering a
 * definition creates the next version (registering the latest one again changes nothing); a
 * rollback makes an earlier version current for new tasks. Definitions are validated before they
 * get here ({@link WorkflowValidator}).
 */
public final class WorkflowEntity
    extends EventSourcedBehaviorWithEnforcedReplies<WorkflowEntity.Command, JournalEntry, WorkflowState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Workflow");

  public sealed interface Command extends TroupeSerializable {}

  public record Register(WorkflowDefinition definition, AuditActor by, ActorRef<Registered> replyTo) implements Command {}

  public record Rollback(int toVersion, AuditActor by, ActorRef<RollbackReply> replyTo) implements Command {}

  public record Get(ActorRef<WorkflowState> replyTo) implements Command {}

  /** {@code created} is false when the definition equals the latest version. */
  public record Registered(String name, int version, boolean created) implements TroupeSerializable {}

  public sealed interface RollbackReply extends TroupeSerializable {}

  public record RolledBack(WorkflowState workflow) implements RollbackReply {}

  public record NoSuchVersion(String name, int version, int versions) implements RollbackReply {}

  /** Starts this node's share of the workflow registry (started on demand: nothing runs in them). */
  public static void init(ActorSystem<?> system, AuditChain chain,
      Clock clock, SupervisionSettings supervision) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY,
        entity -> create(entity, chain, clock, supervision)));
  }

  public static Behavior<Command> create(EntityContext<Command> entity, AuditChain chain, Clock clock,
      SupervisionSettings supervision) {
    return Behaviors.supervise(Behaviors.<Command>setup(context ->
            new WorkflowEntity(entity.getEntityId(), chain, clock, supervision)))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor()));
  }

  private final String name;
  private final AuditChain chain;
  private final Clock clock;

  private WorkflowEntity(String entityId, AuditChain chain, Clock clock, SupervisionSettings supervision) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), entityId), SupervisorStrategy.restartWithBackoff(
        supervision.minBackoff(), supervision.maxBackoff(), supervision.randomFactor()));
    this.name = WorkflowKey.fromEntityId(entityId).name();
    this.chain = chain;
    this.clock = clock;
  }

  @Override
  public WorkflowState emptyState() {
    return WorkflowState.empty(name);
  }

  @Override
  public Set<String> tagsFor(JournalEntry event) {
    return Set.of("workflow");
  }

  @Override
  public EventHandler<WorkflowState, JournalEntry> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(WorkflowState::apply);
  }

  @Override
  public CommandHandlerWithReply<Command, JournalEntry, WorkflowState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Register.class, this::onRegister)
        .onCommand(Rollback.class, this::onRollback)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state))
        .build();
  }

  private ReplyEffect<JournalEntry, WorkflowState> onRegister(WorkflowState state, Register register) {
    int latest = state.versions().size();
    if (latest > 0 && state.versions().get(latest - 1).equals(register.definition())) {
      return Effect().reply(register.replyTo(), new Registered(name, latest, false));
    }
    WorkflowEvent event = new WorkflowEvent.WorkflowVersionRegistered(latest + 1, register.definition());
    return Effect().persist(chain.after(state.chainHead())
            .add(new AuditContext(clock.instant(), register.by(), null, null), event).entries())
        .thenReply(register.replyTo(), s -> new Registered(name, s.versions().size(), true));
  }

  private ReplyEffect<JournalEntry, WorkflowState> onRollback(WorkflowState state, Rollback rollback) {
    if (state.version(rollback.toVersion()).isEmpty()) {
      return Effect().reply(rollback.replyTo(), new NoSuchVersion(name, rollback.toVersion(), state.versions().size()));
    }
    WorkflowEvent event = new WorkflowEvent.WorkflowRolledBack(state.current(), rollback.toVersion());
    return Effect().persist(chain.after(state.chainHead())
            .add(new AuditContext(clock.instant(), rollback.by(), null, null), event).entries())
        .thenReply(rollback.replyTo(), RolledBack::new);
  }
}
