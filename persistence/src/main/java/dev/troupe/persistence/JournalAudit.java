package dev.troupe.persistence;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.stream.javadsl.Sink;

/** Reads entities' journals back for auditors: their entries, and whether the chain holds. */
public final class JournalAudit {
  private final ActorSystem<?> system;
  private final JdbcReadJournal readJournal;
  private final AuditHasher hasher;

  /** Links new events with the current one of {@code keys}, and verifies with all of them. */
  public JournalAudit(ActorSystem<?> system, AuditKeys keys) {
    this.system = system;
    this.readJournal = PersistenceQuery.get(system)
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    this.hasher = new AuditHasher(journalMapper(system), keys);
  }

  /** Without keys: links as before keyed links (tests of old journals). */
  public JournalAudit(ActorSystem<?> system) {
    this(system, AuditKeys.none());
  }

  /** The mapper Pekko stores events with; hashes must be computed with exactly this one. */
  public static ObjectMapper journalMapper(ActorSystem<?> system) {
    return JacksonObjectMapperProvider.get(system).getOrCreate("jackson-json", java.util.Optional.empty());
  }

  public ActorSystem<?> system() {
    return system;
  }

  public AuditHasher hasher() {
    return hasher;
  }

  public JdbcReadJournal readJournal() {
    return readJournal;
  }

  /**
   * Walks every stored event of {@code persistenceId}. A row that cannot even be deserialized
   * fails the read stream; the walk then reports the position after the last good link.
   */
  public CompletionStage<VerifyReport> verify(String persistenceId) {
    AtomicReference<ChainCheck> last = new AtomicReference<>(ChainCheck.start());
    return readJournal.currentEventsByPersistenceId(persistenceId, 0L, Long.MAX_VALUE)
        .map(envelope -> {
          last.set(last.get().next(toStored(envelope), hasher));
          return envelope;
        })
        .runWith(Sink.ignore(), system)
        .thenApply(done -> last.get().report())
        .exceptionallyCompose(error -> {
          // The journal could not be read at all (a full disk, a lost connection): that says nothing
          // about the chain, so it fails (a 503), rather than reporting an intact chain as broken.
          if (isReadFailure(error)) {
            return java.util.concurrent.CompletableFuture.failedFuture(error);
          }
          return java.util.concurrent.CompletableFuture.completedFuture(last.get().unreadable(
              error instanceof UnreadableEventException unreadable ? unreadable.reason() : rootMessage(error)).report());
        });
  }

  /** Whether {@code error} is the database failing to answer, not a stored row that cannot be read. */
  public static boolean isReadFailure(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.sql.SQLException) {
        return true;
      }
    }
    return false;
  }

  /** A stored event of an entity that cannot be deserialized. */
  public static final class UnreadableEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long sequenceNr;
    private final String reason;

    public UnreadableEventException(long sequenceNr, String reason) {
      super("event " + sequenceNr + " cannot be read: " + reason);
      this.sequenceNr = sequenceNr;
      this.reason = reason;
    }

    public long sequenceNr() {
      return sequenceNr;
    }

    public String reason() {
      return reason;
    }
  }

  @SuppressWarnings("unchecked")
  static <T extends Throwable> T sneaky(Throwable error) throws T {
    throw (T) error;
  }

  /** Every stored entry of {@code persistenceId}, in order. */
  public CompletionStage<List<StoredEntry>> entries(String persistenceId) {
    return readJournal.currentEventsByPersistenceId(persistenceId, 0L, Long.MAX_VALUE)
        .map(JournalAudit::toStored)
        .runWith(Sink.seq(), system);
  }

  /** The stored entries of {@code persistenceId} from {@code fromSeq} to {@code toSeq}, inclusive, in order. */
  public CompletionStage<List<StoredEntry>> entries(String persistenceId, long fromSeq, long toSeq) {
    return readJournal.currentEventsByPersistenceId(persistenceId, fromSeq, toSeq)
        .map(JournalAudit::toStored)
        .runWith(Sink.seq(), system);
  }

  static StoredEntry toStored(org.apache.pekko.persistence.query.EventEnvelope envelope) {
    Object event = envelope.event();
    if (event instanceof UnreadableEntry unreadable) {
      throw new UnreadableEventException(envelope.sequenceNr(), unreadable.reason());
    }
    if (!(event instanceof JournalEntry entry)) {
      throw new IllegalStateException("not a Troupe journal entry: " + event.getClass().getName());
    }
    return new StoredEntry(envelope.sequenceNr(), entry);
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
