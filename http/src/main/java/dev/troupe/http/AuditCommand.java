package dev.troupe.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditCheckpoints;
import dev.troupe.persistence.AuditKeys;
import dev.troupe.persistence.CheckpointCheck;
import dev.troupe.persistence.EmbeddedJournal;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.persistence.JournalHeads;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.persistence.VerifyReport;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.audit.TaskTimeline;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskReplay;
import dev.troupe.runtime.task.TaskState;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code java -jar troupe.jar audit <command>}: an auditor's view of a stopped node's journal (opened
 * read-only), with
 * the same code the HTTP audit routes use (the chain check, the timeline, replay, the export's
 * lines). Exit codes: 0 all good, 1 a finding (a broken link, a replay difference, a checkpoint
 * difference), 2 bad arguments or settings, 3 the journal cannot be opened (a node still runs on
 * it: stop it, or use the HTTP audit routes).
 */
@Command(name = "troupe audit", mixinStandardHelpOptions = true,
    description = "Reads a stopped node's journal: tasks, timelines, replay, chain and checkpoint checks, export.",
    subcommands = {AuditCommand.Tasks.class, AuditCommand.Timeline.class, AuditCommand.Replay.class,
        AuditCommand.Verify.class, AuditCommand.Export.class})
public final class AuditCommand implements Callable<Integer> {
  static final int FINDING = 1;
  static final int UNREADABLE = 3;
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(10);

  @Option(names = "--data-dir", description = "the node's data directory (default: troupe.data-dir of the config)")
  Path dataDir;

  @Option(names = "--keys", description = "the chain key file (default: troupe.audit.chain-keys-file)")
  Path keys;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /** Runs {@code args} (after "audit"); returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine line = new CommandLine(new AuditCommand());
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler((thrown, cmd, parsed) -> {
      Throwable error = thrown instanceof java.util.concurrent.ExecutionException && thrown.getCause() != null
          ? thrown.getCause() : thrown;
      err.println(error.getMessage() == null ? error.toString() : error.getMessage());
      if (error instanceof JournalAudit.UnreadableEventException) {
        return FINDING; // a stored event that cannot be read is a finding, not a failure to open
      }
      return error instanceof IllegalArgumentException || error instanceof dev.troupe.config.SettingsException ? 2
          : UNREADABLE;
    });
    int code = line.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The journal, opened read-only for the length of one command. */
  static final class Journal implements AutoCloseable {
    final TroupeSettings settings;
    final ActorSystem<Void> system;
    final JournalAudit audit;
    final JournalViews views;

    private Journal(TroupeSettings settings, ActorSystem<Void> system, JournalAudit audit) {
      this.settings = settings;
      this.system = system;
      this.audit = audit;
      this.views = new JournalViews(JournalAudit.journalMapper(system));
    }

    static Journal open(AuditCommand root) {
      Config overrides = root.dataDir == null ? ConfigFactory.empty()
          : ConfigFactory.parseMap(Map.of("troupe.data-dir", root.dataDir.toString()));
      Config loaded = TroupeSettings.load(overrides);
      TroupeSettings settings = TroupeSettings.create(loaded);
      if (!EmbeddedJournal.exists(settings.dataDir())) {
        throw new IllegalArgumentException("no journal under " + settings.dataDir().toAbsolutePath());
      }
      Path keyFile = root.keys != null ? root.keys : settings.audit().chainKeysFile();
      if (!Files.exists(keyFile)) {
        // Without the keys every keyed link would look forged, and unkeyed ones would all pass.
        throw new IllegalArgumentException("no chain key file at " + keyFile + ": pass --keys <file>");
      }
      AuditKeys keys = AuditKeys.load(keyFile);
      // A local actor system: reading needs no cluster, and must not join or bind a node's ports.
      // The database is opened read-only: an audit must not change the file it audits.
      Config config = ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local",
              "pekko.loglevel", "WARNING", "pekko.stdout-loglevel", "OFF",
              "pekko-persistence-jdbc.shared-databases.troupe.db.url",
              EmbeddedJournal.jdbcUrl(settings.dataDir()) + ";ACCESS_MODE_DATA=r"))
          .withFallback(TroupeRuntime.pekkoConfig(settings)).withFallback(loaded);
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "troupe-audit", config);
      try {
        return new Journal(settings, system, new JournalAudit(system, keys));
      } catch (RuntimeException e) {
        system.terminate();
        throw e;
      }
    }

    <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
      return stage.toCompletableFuture().get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    List<String> persistenceIds() throws Exception {
      return await(audit.readJournal().currentPersistenceIds().runWith(Sink.seq(), system)).stream()
          .filter(id -> !id.startsWith("/")).sorted().toList(); // Troupe's entities, not Pekko's own (/sharding/...)
    }

    List<String> taskIds() throws Exception {
      String prefix = TaskClient.persistenceId("");
      return persistenceIds().stream().filter(id -> id.startsWith(prefix)).map(id -> id.substring(prefix.length()))
          .toList();
    }

    TaskState fold(String taskId) throws Exception {
      TaskState state = TaskState.empty(taskId);
      for (StoredEntry stored : await(audit.entries(TaskClient.persistenceId(taskId)))) {
        state = state.apply(stored.entry());
      }
      return state;
    }

    @Override
    public void close() {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // leaving anyway
      }
    }
  }

  @Command(name = "tasks", mixinStandardHelpOptions = true, description = "Lists tasks: id, status, tenant, workflow or"
      + " capability, created.")
  static final class Tasks implements Callable<Integer> {
    @CommandLine.ParentCommand
    AuditCommand root;
    @Option(names = "--tenant") String tenant;
    @Option(names = "--status") String status;
    @Option(names = "--workflow") String workflow;
    @Option(names = "--agent", description = "tasks with a step this agent ran") String agent;
    @Option(names = "--since", description = "created at or after (ISO-8601)") Instant since;
    @Option(names = "--until", description = "created before (ISO-8601)") Instant until;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = root.spec.commandLine().getOut();
      try (Journal journal = Journal.open(root)) {
        for (String taskId : journal.taskIds()) {
          TaskState task = journal.fold(taskId);
          if (task.isEmpty() || !matches(task)) {
            continue;
          }
          out.println(String.join("\t", taskId, String.valueOf(task.status()), task.tenant(),
              task.workflow() != null ? task.workflow() : task.capability(), String.valueOf(task.createdAt())));
        }
      }
      return 0;
    }

    private boolean matches(TaskState task) {
      return (tenant == null || tenant.equals(task.tenant()))
          && (status == null || status.equalsIgnoreCase(String.valueOf(task.status())))
          && (workflow == null || workflow.equals(task.workflow()))
          && (agent == null || task.steps().stream().anyMatch(step -> agent.equals(step.agentId())))
          && (since == null || (task.createdAt() != null && !task.createdAt().isBefore(since)))
          && (until == null || (task.createdAt() != null && task.createdAt().isBefore(until)));
    }
  }

  @Command(name = "timeline", mixinStandardHelpOptions = true, description = "A task's every decision: who, when,"
      + " what (model calls and tool calls of its agents in place).")
  static final class Timeline implements Callable<Integer> {
    @CommandLine.ParentCommand
    AuditCommand root;
    @Parameters(paramLabel = "TASK") String taskId;
    @Option(names = "--json", description = "one JSON object a line, as the export writes them") boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = root.spec.commandLine().getOut();
      try (Journal journal = Journal.open(root)) {
        List<TaskTimeline.Item> items = journal.await(new TaskTimeline(journal.audit).of(taskId));
        if (items.isEmpty()) {
          throw new IllegalArgumentException("no task " + taskId + " in the journal");
        }
        for (TaskTimeline.Item item : items) {
          ObjectNode line = journal.views.view(item);
          if (json) {
            out.println(line);
          } else {
            ObjectNode event = (ObjectNode) line.get("event").deepCopy();
            event.remove("type");
            out.println(String.join("  ", item.stamp().at().toString(), item.persistenceId() + "#" + item.seq(),
                String.valueOf(item.stamp().actor().kind()).toLowerCase(java.util.Locale.ROOT) + ":"
                    + item.stamp().actor().id(), item.eventType(), event.toString()));
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true, description = "Folds tasks' journals again with the"
      + " entity's own functions and compares with what was recorded.")
  static final class Replay implements Callable<Integer> {
    @CommandLine.ParentCommand
    AuditCommand root;
    @Parameters(paramLabel = "TASK", arity = "0..*") List<String> taskIds = new ArrayList<>();
    @Option(names = "--all") boolean all;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = root.spec.commandLine().getOut();
      int differences = 0;
      try (Journal journal = Journal.open(root)) {
        List<String> ids = all ? journal.taskIds() : taskIds;
        if (ids.isEmpty()) {
          throw new IllegalArgumentException("name a task, or --all");
        }
        for (String taskId : ids) {
          var report = TaskReplay.check(taskId, journal.await(journal.audit.entries(TaskClient.persistenceId(taskId))),
              Optional.empty());
          if (report.events() == 0) {
            throw new IllegalArgumentException("no task " + taskId + " in the journal");
          }
          for (TaskReplay.Difference difference : report.differences()) {
            out.println("DIFFERS " + taskId + " event " + difference.seq() + " (" + difference.event() + "): "
                + difference.what());
            differences++;
          }
        }
        out.println(differences == 0 ? "ok: " + ids.size() + " task(s) replay as recorded"
            : differences + " difference(s)");
      }
      return differences == 0 ? 0 : FINDING;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, description = "Checks the hash chains (and, with --all,"
      + " the newest signed checkpoint); names the entity and event of each break.")
  static final class Verify implements Callable<Integer> {
    @CommandLine.ParentCommand
    AuditCommand root;
    @Parameters(paramLabel = "TASK", arity = "0..*") List<String> taskIds = new ArrayList<>();
    @Option(names = "--all", description = "every entity: tasks, agents, workflows, keys, ledgers") boolean all;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = root.spec.commandLine().getOut();
      int broken = 0;
      long events = 0;
      List<String> ids;
      try (Journal journal = Journal.open(root)) {
        ids = all ? journal.persistenceIds() : taskIds.stream().map(TaskClient::persistenceId).toList();
        if (ids.isEmpty()) {
          throw new IllegalArgumentException("name a task, or --all");
        }
        for (String persistenceId : ids) {
          VerifyReport report = journal.await(journal.audit.verify(persistenceId));
          if (!all && report.ok() && report.events() == 0) {
            throw new IllegalArgumentException("no task " + persistenceId.substring(persistenceId.indexOf('|') + 1)
                + " in the journal");
          }
          events += report.events();
          if (!report.ok()) {
            out.println("BROKEN " + persistenceId + " event " + report.firstBadSeq() + ": " + report.reason());
            broken++;
          }
        }
        if (all) {
          broken += checkpoint(journal, out);
        }
      }
      out.println(broken == 0 ? "ok: " + ids.size() + " entities, " + events + " events" : broken + " finding(s)");
      return broken == 0 ? 0 : FINDING;
    }

    private int checkpoint(Journal journal, PrintWriter out) throws Exception {
      var audit = journal.settings.audit();
      if (!Files.exists(audit.checkpointKeyFile())) {
        out.println("no checkpoint key: the node never wrote a checkpoint");
        return 0;
      }
      var checkpoints = new dev.troupe.runtime.guard.AuditCheckpointer(
          AuditCheckpoints.open(audit.checkpointKeyFile(), audit.checkpointDir()),
          new JournalHeads(journal.settings.dataDir(), true), java.time.Clock.systemUTC(), Runnable::run);
      Optional<dev.troupe.runtime.guard.AuditCheckpointer.Report> report = checkpoints.compareWithLatest();
      if (report.isEmpty()) {
        out.println("no checkpoint yet");
        return 0;
      }
      if (report.get().checkpointAt() == null) { // the newest checkpoint file is not what the node signed
        out.println("BROKEN checkpoint: " + report.get().problems().get(0).reason());
        return 1;
      }
      List<CheckpointCheck.Problem> problems = report.get().problems();
      problems.forEach(p -> out.println("BROKEN " + p.persistenceId() + " event " + p.seq() + ": " + p.reason()));
      out.println("checkpoint of " + report.get().checkpointAt() + ": " + report.get().entities() + " entities, "
          + (problems.isEmpty() ? "all as signed" : problems.size() + " differ"));
      return problems.size();
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true, description = "Task events as NDJSON (stamp and event as"
      + " stored, with the agents' calls in place), as GET /v1/audit/export writes them.")
  static final class Export implements Callable<Integer> {
    @CommandLine.ParentCommand
    AuditCommand root;
    @Option(names = "--tenant") String tenant;
    @Option(names = "--since") Instant since;
    @Option(names = "--until") Instant until;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = root.spec.commandLine().getOut();
      try (Journal journal = Journal.open(root)) {
        TaskTimeline timeline = new TaskTimeline(journal.audit);
        // One task at a time: memory stays at one task's timeline however long the journal is.
        for (String taskId : journal.taskIds()) {
          List<TaskTimeline.Item> items = journal.await(timeline.of(taskId));
          if (items.isEmpty() || (tenant != null && !tenant.equals(tenantOf(items)))) {
            continue;
          }
          for (TaskTimeline.Item item : items) {
            Instant at = item.stamp().at();
            if ((since == null || !at.isBefore(since)) && (until == null || at.isBefore(until))) {
              out.println(journal.views.view(item));
            }
          }
          out.flush();
        }
      }
      return 0;
    }

    private static String tenantOf(List<TaskTimeline.Item> items) {
      return items.stream().map(TaskTimeline.Item::event)
          .filter(dev.troupe.runtime.task.TaskEvent.TaskSubmitted.class::isInstance)
          .map(e -> ((dev.troupe.runtime.task.TaskEvent.TaskSubmitted) e).tenant()).findFirst().orElse(null);
    }
  }
}
