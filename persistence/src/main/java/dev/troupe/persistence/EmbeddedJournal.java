package dev.troupe.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.troupe.config.TroupeSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/**
 * The embedded journal: H2 in file mode under the data directory, one connection pool shared
 * by journal, snapshot store and read journal.
 */
public final class EmbeddedJournal {
  static final String SHARED_DB = "pekko-persistence-jdbc.shared-databases.troupe";
  private static final String SCHEMA = "schema/h2/h2-create-schema.sql";

  private EmbeddedJournal() {}

  /** The JDBC URL of the journal under {@code dataDir}. */
  public static String jdbcUrl(Path dataDir) {
    // DB_CLOSE_ON_EXIT=FALSE: H2 must not close itself on SIGTERM before Pekko has finished
    // writing. No AUTO_SERVER: a second process on the same files must fail, not share them.
    // WRITE_DELAY=0: by default H2 keeps committed changes in memory for up to a second, so a
    // killed process lost tasks it had already acknowledged; now each commit is written to the file.
    return "jdbc:h2:file:" + dataDir.resolve("troupe").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;CACHE_SIZE=131072";
  }

  public static final String USER = "troupe";

  /** Whether a journal was ever written under {@code dataDir} (H2 creates its file on first use). */
  public static boolean exists(Path dataDir) {
    return java.nio.file.Files.exists(dataDir.resolve("troupe.mv.db"));
  }

  /**
   * Whether the journal under {@code dataDir} holds events linked with a key (a scan: call it only
   * when the key file is missing, on a blocking thread).
   */
  public static boolean hasKeyedLinks(Path dataDir) {
    try (java.sql.Connection db = java.sql.DriverManager.getConnection(jdbcUrl(dataDir), USER, "");
        java.sql.Statement statement = db.createStatement();
        java.sql.ResultSet rows = statement.executeQuery("SELECT 1 FROM \"event_journal\" WHERE"
            + " UTF8TOSTRING(\"event_payload\") LIKE '%\"keyId\":\"%' LIMIT 1")) {
      return rows.next();
    } catch (java.sql.SQLException e) {
      if (e.getErrorCode() == 42104) { // no such table: nothing was ever journaled
        return false;
      }
      throw new IllegalStateException("cannot read the journal under " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** Config that points the JDBC plugin at the data directory; layer it over the loaded config. */
  public static Config config(TroupeSettings settings) {
    var journal = settings.journal();
    return ConfigFactory.parseMap(Map.of(
        SHARED_DB + ".db.url", jdbcUrl(settings.dataDir()),
        SHARED_DB + ".db.connectionTimeout", journal.connectionTimeout().toMillis(),
        SHARED_DB + ".db.numThreads", journal.maxConnections(),
        SHARED_DB + ".db.maxConnections", journal.maxConnections(),
        SHARED_DB + ".db.minConnections", 1,
        "jdbc-journal.parallelism", journal.writeParallelism(),
        "jdbc-journal.bufferSize", journal.writeBuffer(),
        "jdbc-read-journal.refresh-interval",
        ConfigValueFactory.fromAnyRef(journal.queryRefreshInterval().toMillis() + "ms")));
  }

  /**
   * Creates the tables if they do not exist; safe on every start. The bundled script's one
   * index lacks IF NOT EXISTS, which would log an error into H2's trace on each restart.
   */
  public static CompletionStage<Done> createSchema(ActorSystem<?> system) {
    return SchemaUtils.applyScript(schemaScript(), system);
  }

  /**
   * The bundled H2 script, with two changes. Payloads are {@code VARBINARY}, stored in the row,
   * not {@code BLOB}: H2 keeps every BLOB in a LOB store of its own, several map entries and a
   * handle per event, which cost about a tenth of the node's CPU and most of its live heap per
   * journaled task. The plugin reads and writes both as bytes, so a journal created with BLOB
   * columns (before this) keeps working as it is.
   */
  static String schemaScript() {
    return bundledScript()
        .replace("CREATE UNIQUE INDEX \"", "CREATE UNIQUE INDEX IF NOT EXISTS \"")
        .replace(" BLOB", " VARBINARY");
  }

  private static String bundledScript() {
    try (InputStream in = EmbeddedJournal.class.getClassLoader().getResourceAsStream(SCHEMA)) {
      if (in == null) {
        throw new IllegalStateException(SCHEMA + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
