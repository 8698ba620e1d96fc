package dev.troupe.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed checkpoint files and the pure comparison with the journal. */
class AuditCheckpointsTest {
  private static final Instant AT = Instant.parse("2026-11-30T00:00:00Z");
  private static final AuditCheckpoints.Head A = new AuditCheckpoints.Head("Task|a", 5, "aa");
  private static final AuditCheckpoints.Head B = new AuditCheckpoints.Head("Task|b", 3, "bb");

  @TempDir
  Path dir;

  @Test
  void aCheckpointIsReadBackOnlyWithTheSignatureOfThisNodesKey() throws Exception {
    AuditCheckpoints checkpoints = AuditCheckpoints.open(dir.resolve("checkpoint.key"), dir.resolve("cp"));
    assertEquals(Optional.empty(), checkpoints.latest());
    Path file = checkpoints.write(new AuditCheckpoints.Checkpoint(AT, List.of(B, A)));
    assertEquals(new AuditCheckpoints.Checkpoint(AT, List.of(A, B)), checkpoints.latest().orElseThrow(),
        "heads in persistence-id order");
    // The same key file opened again: the same public key, the same verdict.
    AuditCheckpoints reopened = AuditCheckpoints.open(dir.resolve("checkpoint.key"), dir.resolve("cp"));
    assertEquals(checkpoints.publicKey(), reopened.publicKey());
    assertTrue(reopened.latest().isPresent());

    String text = Files.readString(file);
    Files.writeString(file, text.replace("\"seq\":5", "\"seq\":4"));
    var changed = assertThrows(AuditCheckpoints.CheckpointException.class, reopened::latest);
    assertTrue(changed.getMessage().contains("its signature does not verify"), changed.getMessage());

    // Another node's key does not verify this node's checkpoint either.
    Files.writeString(file, text);
    AuditCheckpoints stranger = AuditCheckpoints.open(dir.resolve("other.key"), dir.resolve("cp"));
    assertThrows(AuditCheckpoints.CheckpointException.class, stranger::latest);
  }

  @Test
  void onlyTheNewestCheckpointsAreKept() throws Exception {
    AuditCheckpoints checkpoints = AuditCheckpoints.open(dir.resolve("checkpoint.key"), dir.resolve("cp"));
    for (int i = 0; i < AuditCheckpoints.KEEP + 3; i++) {
      checkpoints.write(new AuditCheckpoints.Checkpoint(AT.plusSeconds(i), List.of(A)));
    }
    try (var files = Files.list(dir.resolve("cp"))) {
      assertEquals(AuditCheckpoints.KEEP, files.count());
    }
    assertEquals(AT.plusSeconds(AuditCheckpoints.KEEP + 2), checkpoints.latest().orElseThrow().at());
  }

  @Test
  void theComparisonNamesRemovedTailsGoneEntitiesAndRewrittenHeads() {
    var checkpoint = new AuditCheckpoints.Checkpoint(AT, List.of(A, B,
        new AuditCheckpoints.Head("Task|c", 2, "cc"), new AuditCheckpoints.Head("Task|d", 7, "dd")));
    Map<String, CheckpointCheck.Found> journal = Map.of(
        "Task|a", new CheckpointCheck.Found(9, Optional.of("aa")), // went on after the checkpoint: fine
        "Task|b", new CheckpointCheck.Found(2, Optional.empty()),
        "Task|c", CheckpointCheck.Found.none(),
        "Task|d", new CheckpointCheck.Found(7, Optional.of("forged")));
    List<CheckpointCheck.Problem> problems = CheckpointCheck.problems(checkpoint,
        head -> journal.get(head.persistenceId()));
    String seen = "the checkpoint of " + AT;
    assertEquals(List.of(
        new CheckpointCheck.Problem("Task|b", 3, "the journal ends at event 2; events 3 to 3, seen by " + seen
            + ", were removed"),
        new CheckpointCheck.Problem("Task|c", 2, "the entity is gone from the journal; " + seen + " saw it at event 2"),
        new CheckpointCheck.Problem("Task|d", 7, "event 7 is not the one " + seen
            + " signed: it, or a link before it, was rewritten")), problems);
  }
}
