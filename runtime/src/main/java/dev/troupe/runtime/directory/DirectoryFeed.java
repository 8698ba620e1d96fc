package dev.troupe.runtime.directory;

import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.task.TaskEntity;
import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Keeps a {@link TaskDirectory} following the journal: from the beginning at start, to what the
 * journal holds then (the directory is current from there on), then live (the read journal
 * polls, so lists trail the journal by up to its refresh interval). A failed query is restarted
 * with backoff from the last folded offset.
 */
public final class DirectoryFeed {
  private DirectoryFeed() {}

  public static UniqueKillSwitch follow(TaskDirectory directory, JdbcReadJournal journal, ActorSystem<?> system,
      dev.troupe.runtime.guard.Quarantine quarantine) {
    String prefix = TaskEntity.ENTITY_TYPE_KEY.name() + "|";
    // The fold is inside the restarted part: whatever fails, the feed resumes from the last offset.
    // First what the journal holds now (the directory is current when that ends), then live.
    return RestartSource.withBackoff(
            RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2),
            () -> {
              Source<EventEnvelope, NotUsed> live = Source.lazySource(() -> {
                    directory.markCurrent();
                    return journal.eventsByTag(TaskEntity.TAG, Offset.sequence(directory.offset()));
                  })
                  .mapMaterializedValue(future -> NotUsed.getInstance());
              Source<EventEnvelope, NotUsed> events = directory.isCurrent() ? live
                  : journal.currentEventsByTag(TaskEntity.TAG, Offset.sequence(directory.offset())).concat(live);
              return events.map(envelope -> {
                if (envelope.event() instanceof JournalEntry entry && envelope.persistenceId().startsWith(prefix)) {
                  directory.apply(envelope.persistenceId().substring(prefix.length()), entry,
                      ((Sequence) envelope.offset()).value());
                } else if (envelope.event() instanceof dev.troupe.persistence.UnreadableEntry unreadable) {
                  // Skipped, so the lists go on past it; its task is quarantined and named.
                  quarantine.unreadable(envelope.persistenceId(), envelope.sequenceNr(), unreadable.reason());
                }
                return envelope;
              });
            })
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.left())
        .run(system);
  }
}
