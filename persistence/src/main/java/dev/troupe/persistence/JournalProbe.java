package dev.troupe.persistence;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Writes one small row to the embedded journal's database, the way a journal write would: the
 * only sure way to know the journal can write now (a full disk shows only when something writes).
 * Blocking JDBC: call it on a blocking dispatcher.
 */
public final class JournalProbe {
  /** H2's "the database has been closed": after a failed write H2 closes the database for good. */
  static final int DATABASE_IS_CLOSED = 90098;

  private final String url;
  private volatile boolean tableMade;

  public JournalProbe(Path dataDir) {
    this.url = EmbeddedJournal.jdbcUrl(dataDir);
  }

  /** Empty when the row was written; otherwise why not. */
  public Optional<SQLException> write() {
    try (Connection db = DriverManager.getConnection(url, EmbeddedJournal.USER, "");
        Statement statement = db.createStatement()) {
      if (!tableMade) {
        statement.execute("CREATE TABLE IF NOT EXISTS \"troupe_probe\" (\"id\" INT PRIMARY KEY, \"at\" BIGINT)");
        tableMade = true;
      }
      statement.execute("MERGE INTO \"troupe_probe\" KEY(\"id\") VALUES (1, " + System.currentTimeMillis() + ")");
      return Optional.empty();
    } catch (SQLException e) {
      return Optional.of(e);
    }
  }

  /**
   * Whether {@code failure} means the database closed itself: it does not come back in this
   * process (the journal's pooled connections stay dead), so the node must restart.
   */
  public static boolean isFatal(SQLException failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql && sql.getErrorCode() == DATABASE_IS_CLOSED) {
        return true;
      }
      if (t.getClass().getName().equals("org.h2.mvstore.MVStoreException")) {
        return true; // the store panicked on a write: H2 closes the database
      }
    }
    return false;
  }

  /** The failure in one line: its innermost cause. */
  public static String describe(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int cut = message.indexOf('\n');
    return cut > 0 ? message.substring(0, cut) : message;
  }
}
