package dev.troupe.runtime.bench;

import dev.troupe.persistence.EmbeddedJournal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the journal holds, read with plain JDBC from the H2 files after the node has stopped
 * (the tables are pekko-persistence-jdbc's: {@code event_journal}, {@code event_tag},
 * {@code snapshot}, {@code durable_state}). Rows and bytes are grouped by the prefix of the
 * persistence id ({@code Task|}, {@code Agent|}, {@code Workflow|}, {@code /sharding/TaskShard-*}, ...)
 * and, for events, by event type (the {@code type} of a Troupe event, else the serializer manifest).
 */
final class JournalStats {
  private static final Pattern EVENT_TYPE = Pattern.compile("\"event\"\\s*:\\s*\\{\\s*\"type\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern REASON = Pattern.compile("\"(?:reason|error)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){0,120})");
  private static final Set<String> FAILURES = Set.of("StepFailed", "TaskFailed", "StepRefused", "StepTimedOut");

  /** Counts for one group. */
  static final class Group {
    long rows;
    long bytes;
    final Set<String> ids = new HashSet<>();

    void add(String pid, long size) {
      rows++;
      bytes += size;
      ids.add(pid);
    }
  }

  final Map<String, Group> events = new TreeMap<>();
  final Map<String, Long> eventTypes = new TreeMap<>();
  final Map<String, Long> eventTypeBytes = new HashMap<>();
  final Map<String, Long> tags = new TreeMap<>();
  final Map<String, Long> reasons = new TreeMap<>();
  final Map<String, Group> snapshots = new TreeMap<>();
  long eventRows;
  long eventBytes;
  long tagRows;
  long snapshotRows;
  long snapshotBytes;
  long durableStateRows;
  long durableStateBytes;
  long fileBytes;

  private JournalStats() {}

  static String prefix(String persistenceId) {
    int bar = persistenceId.indexOf('|');
    if (bar >= 0) {
      return persistenceId.substring(0, bar + 1);
    }
    return persistenceId.replaceAll("\\d+$", "*");
  }

  static Connection connect(Path dataDir) throws SQLException {
    return DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
  }

  /** Reads the journal under {@code dataDir}; the node must have stopped (or be idle). */
  static JournalStats read(Path dataDir) throws SQLException, IOException {
    JournalStats s = new JournalStats();
    Path file = dataDir.resolve("troupe.mv.db");
    s.fileBytes = Files.exists(file) ? Files.size(file) : -1;
    try (Connection c = connect(dataDir); Statement st = c.createStatement()) {
      st.setFetchSize(1000);
      try (ResultSet rs = st.executeQuery(
          "SELECT \"persistence_id\", \"event_ser_manifest\", \"event_payload\" FROM \"event_journal\"")) {
        while (rs.next()) {
          String pid = rs.getString(1);
          String manifest = rs.getString(2);
          byte[] payload = rs.getBytes(3);
          String prefix = prefix(pid);
          s.events.computeIfAbsent(prefix, k -> new Group()).add(pid, payload.length);
          s.eventRows++;
          s.eventBytes += payload.length;
          String head = new String(payload, 0, Math.min(payload.length, 4096), StandardCharsets.UTF_8);
          Matcher m = EVENT_TYPE.matcher(head);
          String name = m.find() ? m.group(1) : null;
          String type = prefix + " " + (name != null ? name : "manifest:" + manifest);
          if (name != null && FAILURES.contains(name)) {
            Matcher r = REASON.matcher(new String(payload, StandardCharsets.UTF_8));
            String why = r.find() ? r.group(1).replaceAll("tsk_[0-9a-f]{8,}", "tsk_*")
                .replaceAll("[a-z]+(-[a-z0-9]+)*-\\d+", "<agent>") : "(no reason field)";
            s.reasons.merge(type + ": " + why, 1L, Long::sum);
          }
          s.eventTypes.merge(type, 1L, Long::sum);
          s.eventTypeBytes.merge(type, (long) payload.length, Long::sum);
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT j.\"persistence_id\", t.\"tag\" FROM \"event_tag\" t "
          + "JOIN \"event_journal\" j ON t.\"event_id\" = j.\"ordering\"")) {
        while (rs.next()) {
          s.tags.merge(prefix(rs.getString(1)) + " tag=" + rs.getString(2), 1L, Long::sum);
          s.tagRows++;
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM \"event_tag\"")) {
        rs.next();
        s.tagRows = Math.max(s.tagRows, rs.getLong(1));
      }
      try (ResultSet rs = st.executeQuery(
          "SELECT \"persistence_id\", OCTET_LENGTH(\"snapshot_payload\") FROM \"snapshot\"")) {
        while (rs.next()) {
          String pid = rs.getString(1);
          long size = rs.getLong(2);
          s.snapshots.computeIfAbsent(prefix(pid), k -> new Group()).add(pid, size);
          s.snapshotRows++;
          s.snapshotBytes += size;
        }
      }
      try (ResultSet rs = st.executeQuery(
          "SELECT COUNT(*), COALESCE(SUM(OCTET_LENGTH(\"state_payload\")), 0) FROM \"durable_state\"")) {
        rs.next();
        s.durableStateRows = rs.getLong(1);
        s.durableStateBytes = rs.getLong(2);
      }
    }
    return s;
  }

  /**
   * H2's own counters ({@code INFORMATION_SCHEMA.SETTINGS}, names starting {@code info.}), read
   * through a second connection while the node runs (same JVM, same database). They count since
   * the database was opened.
   */
  static Map<String, Long> h2Counters(Path dataDir) {
    Map<String, Long> counters = new TreeMap<>();
    try (Connection c = connect(dataDir); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT SETTING_NAME, SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS "
            + "WHERE SETTING_NAME LIKE 'info.%'")) {
      while (rs.next()) {
        try {
          counters.put(rs.getString(1), Long.parseLong(rs.getString(2).trim()));
        } catch (NumberFormatException notANumber) {
          // e.g. a version string
        }
      }
    } catch (SQLException e) {
      System.err.println("H2 counters unavailable: " + e.getMessage());
    }
    return counters;
  }

  /** Turns on H2's per-statement statistics ({@code INFORMATION_SCHEMA.QUERY_STATISTICS}) and clears them. */
  static void startQueryStatistics(Path dataDir) {
    try (Connection c = connect(dataDir); Statement st = c.createStatement()) {
      st.execute("SET QUERY_STATISTICS_MAX_ENTRIES 500");
      st.execute("SET QUERY_STATISTICS FALSE");
      st.execute("SET QUERY_STATISTICS TRUE");
    } catch (SQLException e) {
      System.err.println("H2 query statistics unavailable: " + e.getMessage());
    }
  }

  /** The statements that took the most time since {@link #startQueryStatistics}, one line each. */
  static String queryStatistics(Path dataDir, int top) {
    StringBuilder out = new StringBuilder("  H2 statements by total time (QUERY_STATISTICS; execution time only, not"
        + " commits):\n");
    try (Connection c = connect(dataDir); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT SQL_STATEMENT, EXECUTION_COUNT, CUMULATIVE_EXECUTION_TIME,"
            + " AVERAGE_ROW_COUNT FROM INFORMATION_SCHEMA.QUERY_STATISTICS"
            + " ORDER BY CUMULATIVE_EXECUTION_TIME DESC LIMIT " + top)) {
      while (rs.next()) {
        String sql = rs.getString(1).replaceAll("\\s+", " ");
        out.append(String.format(Locale.ROOT, "    %9.0f ms %8d x %7.1f rows  %s%n", rs.getDouble(3), rs.getLong(2),
            rs.getDouble(4), sql.length() > 230 ? sql.substring(0, 230) + "..." : sql));
      }
      st.execute("SET QUERY_STATISTICS FALSE");
    } catch (SQLException e) {
      out.append("    unavailable: ").append(e.getMessage()).append('\n');
    }
    return out.toString();
  }

  /** A multi-line breakdown, per task ({@code tasks} = every task the run submitted, warm-up included). */
  String breakdown(long tasks) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "  journal (per task = / %d tasks, warm-up included): event_journal %d rows (%.2f/task, %.0f B/task),"
            + " event_tag %d rows (%.2f/task), snapshot %d rows (%.3f/task, %.0f B/task), durable_state %d rows,"
            + " troupe.mv.db %d B (%.0f B/task)%n",
        tasks, eventRows, per(eventRows, tasks), per(eventBytes, tasks), tagRows, per(tagRows, tasks), snapshotRows,
        per(snapshotRows, tasks), per(snapshotBytes, tasks), durableStateRows, fileBytes, per(fileBytes, tasks)));
    out.append("  event_journal by persistence-id prefix:\n");
    events.forEach((prefix, g) -> out.append(String.format(Locale.ROOT,
        "    %-28s %8d rows %6.2f/task  %7.0f B/task  %6d ids  %8.1f rows/id  %6.0f B/row%n",
        prefix, g.rows, per(g.rows, tasks), per(g.bytes, tasks), g.ids.size(), per(g.rows, g.ids.size()),
        per(g.bytes, g.rows))));
    out.append("  event_journal by event type:\n");
    eventTypes.forEach((type, n) -> out.append(String.format(Locale.ROOT,
        "    %-48s %8d rows %6.2f/task  %6.0f B/row%n", type, n, per(n, tasks),
        per(eventTypeBytes.get(type), n))));
    if (!reasons.isEmpty()) {
      out.append("  failure events by reason:\n");
      reasons.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(12)
          .forEach(e -> out.append(String.format(Locale.ROOT, "    %8d  %s%n", e.getValue(), e.getKey())));
    }
    out.append("  event_tag by prefix and tag:\n");
    tags.forEach((key, n) -> out.append(String.format(Locale.ROOT, "    %-48s %8d rows %6.2f/task%n", key, n,
        per(n, tasks))));
    out.append("  snapshot by prefix:\n");
    snapshots.forEach((prefix, g) -> out.append(String.format(Locale.ROOT,
        "    %-28s %8d rows %6.3f/task  %7.0f B/task  %6d ids  %8.0f B/row%n",
        prefix, g.rows, per(g.rows, tasks), per(g.bytes, tasks), g.ids.size(), per(g.bytes, g.rows))));
    return out.toString();
  }

  static double per(long n, long d) {
    return d == 0 ? 0 : (double) n / d;
  }
}
