package dev.troupe.runtime.workflow;

import dev.troupe.persistence.AuditActor;
import dev.troupe.runtime.task.PinnedWorkflow;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** Registers, reads and rolls back workflows, wherever in the cluster they live. */
public final class WorkflowClient {
  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Predicate<String> capabilityKnown;
  private final java.util.function.Supplier<CompletionStage<List<String>>> names;
  /**
   * The names, read at most once per {@link #NAMES_FRESH_FOR}: reading them scans every persistence
   * id in the journal, which grows with history, and the trigger router asks for every batch of
   * finished tasks. A registration or rollback through this client drops the copy at once; one
   * made on another node shows here within that time.
   */
  private volatile CachedNames cached;
  static final Duration NAMES_FRESH_FOR = Duration.ofSeconds(5);

  private record CachedNames(long readAtNanos, CompletableFuture<List<String>> names) {}

  /**
   * @param names where the names of registered workflows come from (the journal's persistence ids)
   */
  public WorkflowClient(ClusterSharding sharding, Duration timeout, Predicate<String> capabilityKnown,
      java.util.function.Supplier<CompletionStage<List<String>>> names) {
    this.sharding = sharding;
    this.timeout = timeout;
    this.capabilityKnown = capabilityKnown;
    this.names = names;
  }

  /** The definition's problems, with their paths; empty when it can be registered. */
  public List<String> problems(WorkflowDefinition definition) {
    return WorkflowValidator.problems(definition, capabilityKnown);
  }

  /** Registers a valid definition as the next version; fails with the first problem otherwise. */
  public CompletionStage<WorkflowEntity.Registered> register(WorkflowDefinition definition, AuditActor by) {
    List<String> problems = problems(definition);
    if (!problems.isEmpty()) {
      return CompletableFuture.failedFuture(new InvalidWorkflowException(problems));
    }
    CompletionStage<Void> noCycle = definition.trigger() == null
        ? CompletableFuture.completedFuture(null)
        : withTriggers().thenCompose(triggered -> TriggerGraph.cycleThrough(definition,
                triggered.stream().map(PinnedWorkflow::definition).toList())
            .<CompletionStage<Void>>map(cycle -> CompletableFuture.failedFuture(
                new InvalidWorkflowException(List.of(TriggerGraph.describe(cycle)))))
            .orElse(CompletableFuture.completedFuture(null)));
    return noCycle.thenCompose(ok -> dev.troupe.runtime.PlainFutures.of(sharding
            .entityRefFor(WorkflowEntity.ENTITY_TYPE_KEY, definition.name())
            .<WorkflowEntity.Registered>ask(replyTo -> new WorkflowEntity.Register(definition, by, replyTo), timeout)))
        .whenComplete((registered, error) -> cached = null);
  }

  public CompletionStage<WorkflowState> get(String name) {
    return dev.troupe.runtime.PlainFutures.of(sharding.entityRefFor(WorkflowEntity.ENTITY_TYPE_KEY, name).ask(WorkflowEntity.Get::new, timeout));
  }

  public CompletionStage<WorkflowEntity.RollbackReply> rollback(String name, int toVersion, AuditActor by) {
    // The version rolled back to is checked like a new one: it must not close a cycle of triggers.
    CompletionStage<Void> noCycle = resolve(name, toVersion).thenCompose(target -> target
        .filter(pinned -> pinned.definition().trigger() != null)
        .map(pinned -> withTriggers().thenCompose(triggered -> TriggerGraph.cycleThrough(pinned.definition(),
                triggered.stream().map(PinnedWorkflow::definition).toList())
            .<CompletionStage<Void>>map(cycle -> CompletableFuture.failedFuture(
                new InvalidWorkflowException(List.of(TriggerGraph.describe(cycle)))))
            .orElse(CompletableFuture.completedFuture(null))))
        .orElse(CompletableFuture.completedFuture(null)));
    return noCycle.thenCompose(ok -> dev.troupe.runtime.PlainFutures.of(sharding
            .entityRefFor(WorkflowEntity.ENTITY_TYPE_KEY, name)
            .<WorkflowEntity.RollbackReply>ask(replyTo -> new WorkflowEntity.Rollback(toVersion, by, replyTo), timeout)))
        .whenComplete((rolledBack, error) -> cached = null);
  }

  /** The definition a new task of {@code name} runs: {@code version}, or the current one. */
  public CompletionStage<Optional<PinnedWorkflow>> resolve(String name, Integer version) {
    return get(name).thenApply(state -> {
      int wanted = version == null ? state.current() : version;
      return state.version(wanted).map(definition -> new PinnedWorkflow(name, wanted, definition));
    });
  }

  /** The names of all registered workflows, sorted. */
  public CompletionStage<List<String>> names() {
    CachedNames copy = cached;
    long now = System.nanoTime();
    if (copy != null && now - copy.readAtNanos() < NAMES_FRESH_FOR.toNanos()
        && !copy.names().isCompletedExceptionally()) {
      return copy.names();
    }
    CompletableFuture<List<String>> fresh = dev.troupe.runtime.PlainFutures.of(names.get());
    cached = new CachedNames(now, fresh);
    return fresh;
  }

  /** The current versions of the workflows that declare a trigger. */
  public CompletionStage<List<PinnedWorkflow>> withTriggers() {
    return names().thenCompose(all -> {
      List<CompletableFuture<Optional<PinnedWorkflow>>> current = all.stream()
          .map(name -> resolve(name, null).toCompletableFuture()).toList();
      return CompletableFuture.allOf(current.toArray(CompletableFuture[]::new)).thenApply(done -> current.stream()
          .map(CompletableFuture::join).flatMap(Optional::stream)
          .filter(pinned -> pinned.definition().trigger() != null).toList());
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
