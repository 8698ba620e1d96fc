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

  public JournalAudit(ActorSystem<?> system) {
    this.system = system;
    this.readJournal = PersistenceQuery.get(system)
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    this.hasher = new AuditHasher(journalMapper(system));
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
        .handle((done, error) -> error == null
            ? last.get().report()
            : last.get().unreadable(rootMessage(error)).report());
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
