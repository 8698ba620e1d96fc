package dev.troupe.runtime.guard;

import dev.troupe.persistence.VerifyReport;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The entities on this node whose journal cannot be read: each is shut off on its own while the
 * rest of the node serves. An entity is listed when its recovery fails and leaves the list when
 * a later recovery succeeds (its supervisor keeps trying with backoff, so a read error that
 * passes heals by itself). Health and the audit routes name them, with the first sequence number
 * that cannot be read, found by walking the entity's journal as {@code verify} does.
 */
public final class Quarantine {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Quarantine.class);

  /** One entity shut off: {@code sequenceNr} is null until the walk of its journal has found it. */
  public record Entry(String persistenceId, Long sequenceNr, String reason, Instant since) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Function<String, CompletionStage<VerifyReport>> walk;
  private final Clock clock;

  /** @param walk reads an entity's whole journal and says where it first cannot be read */
  public Quarantine(Function<String, CompletionStage<VerifyReport>> walk, Clock clock) {
    this.walk = walk;
    this.clock = clock;
  }

  /** A quarantine that lists entities without walking their journals (unit tests of one entity). */
  public static Quarantine unwalked() {
    return new Quarantine(id -> java.util.concurrent.CompletableFuture.completedFuture(VerifyReport.ok(0)),
        Clock.systemUTC());
  }

  /** {@code persistenceId}'s recovery failed with {@code failure}. */
  public void failed(String persistenceId, Throwable failure) {
    Entry entry = new Entry(persistenceId, null, rootMessage(failure), clock.instant());
    if (entries.putIfAbsent(persistenceId, entry) != null) {
      return; // known; its supervisor is trying again
    }
    LOG.error("{} cannot be recovered and is quarantined; the rest of the node serves: {}", persistenceId,
        entry.reason());
    walk.apply(persistenceId).whenComplete((report, error) -> {
      if (report != null && !report.ok()) {
        entries.computeIfPresent(persistenceId, (id, known) ->
            new Entry(id, report.firstBadSeq(), report.reason(), known.since()));
      }
    });
  }

  /** A stream reading the journal met {@code persistenceId}'s event {@code sequenceNr}, which cannot be read. */
  public void unreadable(String persistenceId, long sequenceNr, String reason) {
    Entry entry = new Entry(persistenceId, sequenceNr, "event " + sequenceNr + " cannot be read: " + reason,
        clock.instant());
    if (entries.putIfAbsent(persistenceId, entry) == null) {
      LOG.error("{} is quarantined: {}; the rest of the node serves", persistenceId, entry.reason());
    }
  }

  /** {@code persistenceId} recovered: it serves again. */
  public void recovered(String persistenceId) {
    if (entries.remove(persistenceId) != null) {
      LOG.info("{} recovered and is out of quarantine", persistenceId);
    }
  }

  public boolean contains(String persistenceId) {
    return entries.containsKey(persistenceId);
  }

  public List<Entry> entries() {
    return entries.values().stream().sorted(Comparator.comparing(Entry::persistenceId)).toList();
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
