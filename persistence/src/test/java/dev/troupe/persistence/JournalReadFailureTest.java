package dev.troupe.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParseException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Verify tells a database that cannot answer (a 503) from a stored row that cannot be read (a broken chain). */
class JournalReadFailureTest {
  @Test
  void aDatabaseErrorAnywhereInTheCausesIsAReadFailure() {
    assertTrue(JournalAudit.isReadFailure(new CompletionException(new IllegalStateException("stream failed",
        new SQLException("No space left on device", "HY000")))));
    assertTrue(JournalAudit.isReadFailure(new java.sql.SQLTransientConnectionException("pool timed out")));
  }

  @Test
  void aRowThatDoesNotParseIsNot() {
    assertFalse(JournalAudit.isReadFailure(new JournalAudit.UnreadableEventException(4, "JsonParseException")));
    assertFalse(JournalAudit.isReadFailure(new CompletionException(new JsonParseException(null, "Unexpected '!'"))));
  }
}
