package dev.troupe.http.auth;

import dev.troupe.config.Role;
import dev.troupe.persistence.JournalEntry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Keeps {@link ApiKeys} in step with the key rings' journal: every key created (or revoked) over
 * the API, on any node. {@link #follow} completes once the keys journaled so far are loaded, so
 * a node is not ready before the keys it must accept are.
 */
public final class KeyFeed {
  private KeyFeed() {}

  public static CompletionStage<Void> follow(ApiKeys keys, JdbcReadJournal journal, ActorSystem<?> system) {
    AtomicLong offset = new AtomicLong();
    // Loaded ring by ring, not by tag: a tag query waits out gaps in the journal's ordering (which
    // a killed process leaves), and the node must not wait that long to be ready.
    String prefix = KeyRing.ENTITY_TYPE_KEY.name() + "|";
    Map<String, Long> loaded = new ConcurrentHashMap<>();
    return journal.currentPersistenceIds()
        .filter(id -> id.startsWith(prefix))
        .flatMapConcat(id -> journal.currentEventsByPersistenceId(id, 0, Long.MAX_VALUE))
        .runWith(Sink.foreach(envelope -> {
          loaded.merge(envelope.persistenceId(), envelope.sequenceNr(), Math::max);
          apply(keys, envelope);
        }), system)
        .thenAccept(done -> RestartSource.withBackoff(
                RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2),
                () -> journal.eventsByTag(KeyRing.TAG, Offset.sequence(offset.get())).map(envelope -> {
                  offset.accumulateAndGet(((Sequence) envelope.offset()).value(), Math::max);
                  // What the load saw is not applied again.
                  if (envelope.sequenceNr() > loaded.getOrDefault(envelope.persistenceId(), 0L)) {
                    apply(keys, envelope);
                  }
                  return envelope;
                }))
            .runWith(Sink.ignore(), system));
  }

  private static void apply(ApiKeys keys, EventEnvelope envelope) {
    if (!(envelope.event() instanceof JournalEntry entry)) {
      return;
    }
    if (entry.event() instanceof KeyEvent.KeyCreated created) {
      keys.register(created.sha256(), new Principal(created.name(), created.tenant(), created.roles().stream()
          .map(role -> Role.valueOf(role.toUpperCase(Locale.ROOT))).collect(Collectors.toSet())));
    } else if (entry.event() instanceof KeyEvent.KeyRevoked revoked) {
      keys.revoke(revoked.sha256());
    }
  }
}
