package dev.troupe.runtime.guard;

import dev.troupe.persistence.AuditCheckpoints;
import dev.troupe.persistence.CheckpointCheck;
import dev.troupe.persistence.JournalHeads;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a signed checkpoint of every entity's chain head now and then and when the node stops,
 * and compares the journal with the newest one on request. JDBC and file work block: everything
 * runs on the executor it is given.
 */
public final class AuditCheckpointer {
  private static final Logger LOG = LoggerFactory.getLogger(AuditCheckpointer.class);

  private final AuditCheckpoints checkpoints;
  private final JournalHeads heads;
  private final Clock clock;
  private final Executor blocking;
  private final java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean();

  public AuditCheckpointer(AuditCheckpoints checkpoints, JournalHeads heads, Clock clock, Executor blocking) {
    this.checkpoints = checkpoints;
    this.heads = heads;
    this.clock = clock;
    this.blocking = blocking;
  }

  /** What a comparison with the newest checkpoint found. */
  public record Report(Instant checkpointAt, int entities, List<CheckpointCheck.Problem> problems,
      String publicKey) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** The journal differs from the newest checkpoint: signing it now would make the difference look right. */
  public static final class CheckpointRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<CheckpointCheck.Problem> problems;

    CheckpointRefused(List<CheckpointCheck.Problem> problems) {
      super("the journal differs from the newest checkpoint in " + problems.size() + " place(s), first: "
          + problems.get(0).persistenceId() + " event " + problems.get(0).seq() + ": " + problems.get(0).reason());
      this.problems = List.copyOf(problems);
    }

    public List<CheckpointCheck.Problem> problems() {
      return problems;
    }
  }

  /** A checkpoint every {@code every} (the first after one period), and a last one as {@code system} stops. */
  public AuditCheckpointer start(ActorSystem<?> system, Duration every) {
    system.scheduler().scheduleWithFixedDelay(every, every, () -> {
      if (writing.get()) {
        return; // the last one is still being written: skip this turn rather than queue up
      }
      write().whenComplete((at, error) -> {
        if (error != null) {
          Throwable cause = error.getCause() != null ? error.getCause() : error;
          if (cause instanceof CheckpointRefused) {
            LOG.error("No audit checkpoint written: {}", cause.getMessage());
          } else {
            LOG.warn("The audit checkpoint was not written: {}", cause.toString());
          }
        }
      });
    }, system.executionContext());
    // As late as possible: after sharding has stopped its entities, so their last events are in it.
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "troupe-audit-checkpoint", () -> write().<Done>handle((at, error) -> {
          if (error != null) {
            LOG.warn("The last audit checkpoint was not written: {}", error.toString());
          }
          return Done.getInstance();
        }));
    return this;
  }

  /**
   * Signs the heads of every entity as they are now; completes with the checkpoint. It first
   * compares the journal with the newest checkpoint and refuses ({@link CheckpointRefused}) when
   * they differ, so a changed journal is never signed over.
   */
  public CompletionStage<AuditCheckpoints.Checkpoint> write() {
    return CompletableFuture.supplyAsync(() -> {
      synchronized (this) {
        writing.set(true);
        try {
          Optional<Report> previous = compareWithLatest();
          if (previous.isPresent() && !previous.get().ok()) {
            throw new CheckpointRefused(previous.get().problems());
          }
          AuditCheckpoints.Checkpoint checkpoint = new AuditCheckpoints.Checkpoint(clock.instant(), heads.current());
          checkpoints.write(checkpoint);
          return checkpoint;
        } catch (SQLException e) {
          throw new IllegalStateException("the journal could not be read for a checkpoint: " + e.getMessage(), e);
        } finally {
          writing.set(false);
        }
      }
    }, blocking);
  }

  /** Compares the journal with the newest checkpoint; empty when none was written yet. */
  public CompletionStage<Optional<Report>> verifyLatest() {
    return CompletableFuture.supplyAsync(this::compareWithLatest, blocking);
  }

  /**
   * The comparison itself, blocking (JDBC and files): what {@link #verifyLatest}, {@link #write}
   * and the offline audit command share. A checkpoint that is not what this node signed is itself
   * a finding (a problem named "checkpoint", no time), not a failure to answer.
   */
  public Optional<Report> compareWithLatest() {
    Optional<AuditCheckpoints.Checkpoint> latest;
    try {
      latest = checkpoints.latest();
    } catch (AuditCheckpoints.CheckpointException e) {
      return Optional.of(new Report(null, 0, List.of(new CheckpointCheck.Problem("checkpoint", 0, e.getMessage())),
          checkpoints.publicKey()));
    }
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    AuditCheckpoints.Checkpoint checkpoint = latest.get();
    try {
      var found = heads.find(checkpoint.heads());
      return Optional.of(new Report(checkpoint.at(), checkpoint.heads().size(),
          CheckpointCheck.problems(checkpoint, found::get), checkpoints.publicKey()));
    } catch (SQLException e) {
      throw new IllegalStateException("the journal could not be read: " + e.getMessage(), e);
    }
  }
}
