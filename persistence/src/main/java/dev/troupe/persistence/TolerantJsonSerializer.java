package dev.troupe.persistence;

import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.serialization.jackson.JacksonSerializer;

/**
 * Pekko's Jackson JSON serializer (same binding, same identifier, same bytes), except that a
 * stored journal entry that cannot be read becomes an {@link UnreadableEntry} instead of an
 * exception. One corrupted byte in one event then costs that event's entity, not every stream
 * that reads the journal past it. Anything else that cannot be read (a message between nodes)
 * still fails as before.
 */
public final class TolerantJsonSerializer extends JacksonSerializer {
  private static final String JOURNAL_ENTRY = JournalEntry.class.getName();

  public TolerantJsonSerializer(ExtendedActorSystem system, String bindingName) {
    super(system, bindingName,
        JacksonObjectMapperProvider.get(system).getOrCreate(bindingName, Optional.empty()));
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    try {
      return super.fromBinary(bytes, manifest);
    } catch (Exception e) { // Scala code may throw checked exceptions (NotSerializableException)
      if (manifest == null || !manifest.startsWith(JOURNAL_ENTRY)) {
        throw JournalAudit.<RuntimeException>sneaky(e);
      }
      return new UnreadableEntry(manifest, bytes.length, rootMessage(e));
    }
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? "" : ": " + t.getMessage();
    // Jackson quotes the offending bytes at length; the reason names where, not what.
    int cut = message.indexOf('\n');
    return t.getClass().getSimpleName() + (cut > 0 ? message.substring(0, cut) : message);
  }
}
