package dev.troupe.runtime.workflow;

import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.PlainFutures;
import dev.troupe.runtime.task.PinnedWorkflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Registers, reads and rolls back workflows, wherever in the cluster they live. A tenant sees its
 * own workflows and the shared ones; where it has one of the same name as a shared one, its own
 * is the one it sees ({@link #visibleTo}).
 */
public final class WorkflowClient {
  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Predicate<String> capabilityKnown;
  private final Supplier<CompletionStage<List<String>>> entityIds;
  /**
   * The keys, read at most once per {@link #NAMES_FRESH_FOR}: reading them scans every persistence
   * id in the journal, which grows with history, and the trigger router asks for every batch of
   * finished tasks. A registration or rollback through this client drops the copy at once; one
   * made on another node shows here within that time.
   */
  private CompletableFuture<Void> changes = CompletableFuture.completedFuture(null);
  private volatile CachedKeys cached;
  static final Duration NAMES_FRESH_FOR = Duration.ofSeconds(5);

  private record CachedKeys(long readAtNanos, CompletableFuture<List<WorkflowKey>> keys) {}

  /** A workflow a tenant can see, and whose it is. */
  public record Visible(WorkflowKey key, WorkflowState state) {}

  /**
   * @param entityIds the entity ids of registered workflows (from the journal's persistence ids)
   */
  public WorkflowClient(ClusterSharding sharding, Duration timeout, Predicate<String> capabilityKnown,
      Supplier<CompletionStage<List<String>>> entityIds) {
    this.sharding = sharding;
    this.timeout = timeout;
    this.capabilityKnown = capabilityKnown;
    this.entityIds = entityIds;
  }

  /** The definition's problems, with their paths; empty when it can be registered. */
  public List<String> problems(WorkflowDefinition definition) {
    return WorkflowValidator.problems(definition, capabilityKnown);
  }

  /** Registers a shared workflow (the node's own, or the operator's). */
  public CompletionStage<WorkflowEntity.Registered> register(WorkflowDefinition definition, AuditActor by) {
    return register(WorkflowKey.shared(definition.name()), definition, by);
  }

  /**
   * Registers a valid definition as the next version of {@code key}; fails with
   * {@link InvalidWorkflowException} when it has problems or would close a cycle of triggers in any
   * tenant that would see it.
   */
  public CompletionStage<WorkflowEntity.Registered> register(WorkflowKey key, WorkflowDefinition definition,
      AuditActor by) {
    List<String> problems = new ArrayList<>(problems(definition));
    if (!key.name().equals(definition.name())) {
      problems.add(0, "name: must be '" + key.name() + "', was '" + definition.name() + "'");
    }
    if (!problems.isEmpty()) {
      return CompletableFuture.failedFuture(new InvalidWorkflowException(problems));
    }
    if (definition.trigger() == null) {
      // Without a trigger it adds no edge to the graph, so it cannot close a cycle: no need to wait.
      return PlainFutures.of(sharding.entityRefFor(WorkflowEntity.ENTITY_TYPE_KEY, key.entityId())
              .<WorkflowEntity.Registered>ask(replyTo -> new WorkflowEntity.Register(definition, by, replyTo), timeout))
          .whenComplete((registered, error) -> cached = null);
    }
    return oneAtATime(() -> noCycle(key, definition).thenCompose(ok -> PlainFutures.of(sharding
            .entityRefFor(WorkflowEntity.ENTITY_TYPE_KEY, key.entityId())
            .<WorkflowEntity.Registered>ask(replyTo -> new WorkflowEntity.Register(definition, by, replyTo), timeout)))
        .whenComplete((registered, error) -> cached = null));
  }

  public CompletionStage<WorkflowState> get(WorkflowKey key) {
    return PlainFutures.of(sharding.entityRefFor(WorkflowEntity.ENTITY_TYPE_KEY, key.entityId())
        .ask(WorkflowEntity.Get::new, timeout));
  }

  /** The workflow {@code name} as {@code tenant} sees it: its own, else the shared one, else none. */
  public CompletionStage<Optional<Visible>> find(String tenant, String name) {
    CompletionStage<Optional<Visible>> shared = get(WorkflowKey.shared(name))
        .thenApply(state -> state.exists() ? Optional.of(new Visible(WorkflowKey.shared(name), state)) : Optional.empty());
    if (tenant == null) {
      return shared;
    }
    WorkflowKey own = WorkflowKey.ofTenant(tenant, name);
    return get(own).thenCompose(state -> state.exists()
        ? CompletableFuture.completedFuture(Optional.of(new Visible(own, state)))
        : shared);
  }

  /** Rolls a shared workflow back. */
  public CompletionStage<WorkflowEntity.RollbackReply> rollback(String name, int toVersion, AuditActor by) {
    return rollback(WorkflowKey.shared(name), toVersion, by);
  }

  public CompletionStage<WorkflowEntity.RollbackReply> rollback(WorkflowKey key, int toVersion, AuditActor by) {
    // The version rolled back to is checked like a new one: it must not close a cycle of triggers.
    return oneAtATime(() -> get(key).thenCompose(state -> state.version(toVersion)
            .filter(definition -> definition.trigger() != null)
            .map(definition -> noCycle(key, definition))
            .orElse(CompletableFuture.completedFuture(null)))
        .thenCompose(ok -> PlainFutures.of(sharding
            .entityRefFor(WorkflowEntity.ENTITY_TYPE_KEY, key.entityId())
            .<WorkflowEntity.RollbackReply>ask(replyTo -> new WorkflowEntity.Rollback(toVersion, by, replyTo), timeout)))
        .whenComplete((rolledBack, error) -> cached = null));
  }

  /** The definition a new task of shared workflow {@code name} runs: {@code version}, or the current one. */
  public CompletionStage<Optional<PinnedWorkflow>> resolve(String name, Integer version) {
    return resolve(null, name, version);
  }

  /**
   * The definition a new task of {@code tenant} runs for {@code name}: its own workflow or else
   * the shared one, at {@code version} or the current one. A null tenant sees shared ones only.
   */
  public CompletionStage<Optional<PinnedWorkflow>> resolve(String tenant, String name, Integer version) {
    return find(tenant, name).thenApply(found -> found.flatMap(visible -> pin(visible.key(), visible.state(), version)));
  }

  private static Optional<PinnedWorkflow> pin(WorkflowKey key, WorkflowState state, Integer version) {
    int wanted = version == null ? state.current() : version;
    return state.version(wanted).map(definition -> new PinnedWorkflow(key.name(), wanted, definition, key.tenant()));
  }

  /** The keys of all registered workflows: shared ones first, then by tenant, each by name. */
  public CompletionStage<List<WorkflowKey>> keys() {
    CachedKeys copy = cached;
    long now = System.nanoTime();
    if (copy != null && now - copy.readAtNanos() < NAMES_FRESH_FOR.toNanos()
        && !copy.keys().isCompletedExceptionally()) {
      return copy.keys();
    }
    CompletableFuture<List<WorkflowKey>> fresh = PlainFutures.of(entityIds.get()).thenApply(ids -> ids.stream()
        .map(WorkflowKey::fromEntityId)
        .sorted(Comparator.comparing((WorkflowKey key) -> key.isShared() ? "" : key.tenant())
            .thenComparing(WorkflowKey::name))
        .toList());
    cached = new CachedKeys(now, fresh);
    return fresh;
  }

  /** The keys of the workflows {@code tenant} sees, by name (its own where a shared one has the same name). */
  public CompletionStage<List<WorkflowKey>> keysVisibleTo(String tenant) {
    return keys().thenApply(all -> visibleTo(all, tenant, key -> key));
  }

  /** The current versions of all workflows, of every tenant, that declare a trigger. */
  public CompletionStage<List<PinnedWorkflow>> withTriggers() {
    return keys().thenCompose(all -> {
      List<CompletableFuture<Optional<PinnedWorkflow>>> current = all.stream()
          .map(key -> get(key).thenApply(state -> pin(key, state, null)).toCompletableFuture()).toList();
      return CompletableFuture.allOf(current.toArray(CompletableFuture[]::new)).thenApply(done -> current.stream()
          .map(CompletableFuture::join).flatMap(Optional::stream)
          .filter(pinned -> pinned.definition().trigger() != null).toList());
    });
  }

  /**
   * Of {@code workflows}, those a task of {@code tenant} can run or be triggered by: the shared ones
   * and the tenant's own, its own in place of a shared one of the same name. Sorted by name.
   */
  public static <T> List<T> visibleTo(List<T> workflows, String tenant, java.util.function.Function<T, WorkflowKey> keyOf) {
    java.util.Map<String, T> byName = new java.util.TreeMap<>();
    for (T workflow : workflows) {
      WorkflowKey key = keyOf.apply(workflow);
      if (key.isShared()) {
        byName.putIfAbsent(key.name(), workflow);
      }
    }
    for (T workflow : workflows) {
      WorkflowKey key = keyOf.apply(workflow);
      if (!key.isShared() && key.tenant().equals(tenant)) {
        byName.put(key.name(), workflow);
      }
    }
    return List.copyOf(byName.values());
  }

  /**
   * Runs registrations and rollbacks one after another: each checks for a cycle of triggers
   * against what is registered, so two at once could each pass and together close one. On one node
   * this makes the check exact; across nodes the trigger depth limit still stops a cycle.
   */
  private synchronized <T> CompletionStage<T> oneAtATime(java.util.function.Supplier<CompletionStage<T>> change) {
    long limitMs = timeout.multipliedBy(3).toMillis();
    // The caller waits a bounded time; a change whose caller gave up while it queued is not run.
    CompletableFuture<T> result = new CompletableFuture<T>()
        .orTimeout(limitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    changes = changes.thenCompose(previous -> {
      if (result.isDone()) {
        return CompletableFuture.completedFuture(null);
      }
      // Bounded too, so one change that never answers cannot hold up every later one.
      return change.get().toCompletableFuture()
          .orTimeout(limitMs, java.util.concurrent.TimeUnit.MILLISECONDS)
          .<Void>handle((value, error) -> {
            if (error != null) {
              result.completeExceptionally(error);
            } else {
              result.complete(value);
            }
            return null;
          });
    });
    return result;
  }

  /**
   * Fails with the cycle {@code definition} would close under {@code key}. A tenant's workflow is
   * checked among what that tenant sees; a shared one among what every tenant sees, since its
   * triggers fire in each of them.
   */
  private CompletionStage<Void> noCycle(WorkflowKey key, WorkflowDefinition definition) {
    if (definition.trigger() == null) {
      return CompletableFuture.completedFuture(null);
    }
    return withTriggers().thenCompose(triggered -> {
      Set<String> tenants = new LinkedHashSet<>();
      if (key.isShared()) {
        tenants.add(null);
        triggered.stream().map(PinnedWorkflow::owner).filter(java.util.Objects::nonNull).forEach(tenants::add);
      } else {
        tenants.add(key.tenant());
      }
      for (String tenant : tenants) {
        List<PinnedWorkflow> seen = visibleTo(triggered, tenant, PinnedWorkflow::key);
        boolean shadowed = key.isShared() && seen.stream()
            .anyMatch(pinned -> pinned.name().equals(key.name()) && !pinned.key().isShared());
        if (shadowed) {
          continue; // that tenant runs its own workflow of this name, not this one
        }
        Optional<List<String>> cycle = TriggerGraph.cycleThrough(definition,
            seen.stream().map(PinnedWorkflow::definition).toList());
        if (cycle.isPresent()) {
          return CompletableFuture.failedFuture(new InvalidWorkflowException(List.of(TriggerGraph.describe(cycle.get()))));
        }
      }
      return CompletableFuture.completedFuture(null);
    });
  }

  /** A definition that cannot be registered; the message lists every problem with its path. */
  public static final class InvalidWorkflowException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public InvalidWorkflowException(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }
}
