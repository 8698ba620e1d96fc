package dev.troupe.runtime.guard;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Whether the journal can write, probed every {@code every} by writing a row. While it cannot
 * (a full disk), the node is not ready and refuses writes at once instead of letting each one wait
 * for its timeout; it is writable again as soon as a probe succeeds. When the database closed
 * itself after a failed write (H2 does), this process cannot write again: the journal is lost,
 * and whoever listens ({@link #onLost}; the server exits so its supervisor restarts it) is told once.
 */
public final class JournalHealth {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JournalHealth.class);

  /** How a probe ended: empty when written. */
  public interface Probe {
    Optional<SQLException> write();
  }

  private final Probe probe;
  private final java.util.function.Predicate<SQLException> fatal;
  private final java.util.function.Function<Throwable, String> describe;
  private final List<Runnable> lostListeners = new CopyOnWriteArrayList<>();
  private volatile String failure;
  private volatile boolean lost;

  public JournalHealth(Probe probe, java.util.function.Predicate<SQLException> fatal,
      java.util.function.Function<Throwable, String> describe) {
    this.probe = probe;
    this.fatal = fatal;
    this.describe = describe;
  }

  /** A journal that is always writable (no probe): nodes whose journal is not the embedded one. */
  public static JournalHealth unprobed() {
    return new JournalHealth(Optional::empty, e -> false, Throwable::getMessage);
  }

  /** Probes every {@code every} on {@code blocking} (JDBC blocks), for as long as {@code system} runs. */
  public JournalHealth start(ActorSystem<?> system, Duration every, Executor blocking) {
    system.scheduler().scheduleWithFixedDelay(every, every, () -> blocking.execute(this::probeOnce),
        system.executionContext());
    return this;
  }

  void probeOnce() {
    if (lost) {
      return;
    }
    Optional<SQLException> failed = probe.write();
    if (failed.isEmpty()) {
      if (failure != null) {
        LOG.info("The journal can write again");
      }
      failure = null;
      return;
    }
    String why = describe.apply(failed.get());
    if (failure == null) {
      LOG.error("The journal cannot write: {}; the node is not ready and refuses writes until it can", why);
    }
    failure = "the journal cannot write: " + why;
    if (fatal.test(failed.get())) {
      lost = true;
      failure = "the journal's database closed itself after a failed write (" + why + "): the node must restart";
      LOG.error("{}", failure);
      lostListeners.forEach(Runnable::run);
    }
  }

  /** Why the journal cannot write now, or empty when it can. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  public boolean writable() {
    return failure == null;
  }

  /** Runs {@code listener} (once) when the journal is lost for this process. */
  public void onLost(Runnable listener) {
    lostListeners.add(listener);
    if (lost) {
      listener.run();
    }
  }
}
