package dev.troupe.persistence;

import java.util.ArrayList;
import java.util.List;

/** Stamps events in the order they will be written, each chained to the one before. */
public final class AuditChain {
  private final AuditHasher hasher;

  public AuditChain(AuditHasher hasher) {
    this.hasher = hasher;
  }

  /** A batch of events to persist atomically, starting after {@code head}. */
  public Batch after(ChainHead head) {
    return new Batch(head);
  }

  public AuditHasher hasher() {
    return hasher;
  }

  /** Events of one persist call; each may have its own actor (e.g. agent, then system). */
  public final class Batch {
    private final List<JournalEntry> entries = new ArrayList<>();
    private ChainHead head;

    private Batch(ChainHead head) {
      this.head = head;
    }

    public Batch add(AuditContext context, DomainEvent event) {
      AuditStamp unhashed = new AuditStamp(head.seq() + 1, context.at(), context.actor(),
          context.traceId(), context.taskId(), head.hash(), null, hasher.currentKeyId());
      AuditStamp stamp = unhashed.withHash(hasher.hashOf(unhashed, event));
      entries.add(new JournalEntry(stamp, event));
      head = head.after(stamp);
      return this;
    }

    public List<JournalEntry> entries() {
      return List.copyOf(entries);
    }
  }
}
