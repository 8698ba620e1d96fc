package dev.troupe.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Compares the journal with a signed checkpoint, entity by entity. Pure: the audit route and
 * tests share it. Each entity the checkpoint saw must still reach the sequence number it saw,
 * with the same link there; what came after is the chain's own business ({@link ChainCheck}).
 */
public final class CheckpointCheck {
  private CheckpointCheck() {}

  /** What the journal holds for one entity now: its last sequence number, and the link at {@code seq}. */
  public record Found(long highestSeq, Optional<String> hashAtSeq) {
    public static Found none() {
      return new Found(0, Optional.empty());
    }
  }

  /** One difference, naming the entity and the sequence number. */
  public record Problem(String persistenceId, long seq, String reason) {}

  public static List<Problem> problems(AuditCheckpoints.Checkpoint checkpoint,
      Function<AuditCheckpoints.Head, Found> journal) {
    List<Problem> problems = new ArrayList<>();
    String seen = "the checkpoint of " + checkpoint.at();
    for (AuditCheckpoints.Head head : checkpoint.heads()) {
      Found found = journal.apply(head);
      if (found.highestSeq() == 0) {
        problems.add(new Problem(head.persistenceId(), head.seq(), "the entity is gone from the journal; " + seen
            + " saw it at event " + head.seq()));
      } else if (found.highestSeq() < head.seq()) {
        problems.add(new Problem(head.persistenceId(), found.highestSeq() + 1, "the journal ends at event "
            + found.highestSeq() + "; events " + (found.highestSeq() + 1) + " to " + head.seq() + ", seen by " + seen
            + ", were removed"));
      } else if (found.hashAtSeq().isEmpty() || !found.hashAtSeq().get().equals(head.hash())) {
        problems.add(new Problem(head.persistenceId(), head.seq(), "event " + head.seq() + " is not the one " + seen
            + " signed: it, or a link before it, was rewritten"));
      }
    }
    return problems;
  }
}
