package dev.troupe.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.workflow.JoinPolicy;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentLimits;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.StepOutcome;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An in-process engine benchmark, not a test: one Troupe node per scenario, each on a fresh
 * temporary data directory with the default embedded H2 journal and audit chain, agents whose
 * every step makes one call to a stub model ({@code StepContext.model()}) that answers after a
 * fixed delay without parking a thread.
 *
 * <p>Run from the repository root (the first command compiles and writes the test classpath to
 * {@code runtime/target/bench.cp}; {@code -o} needs the dependencies already in ~/.m2):
 *
 * <pre>
 * flock /tmp/troupe-mvn.lock mvn -B -q -o -pl runtime -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp \
 *   &amp;&amp; java -Dbench.tasks=2000 -Dbench.out=/tmp/bench.md \
 *     -cp "$(cat runtime/target/bench.cp):runtime/target/classes:runtime/target/test-classes" \
 *     dev.troupe.runtime.bench.EngineBench [scenario...]
 * </pre>
 *
 * <p>Scenarios (all five when none is named):
 *
 * <ul>
 *   <li>{@code pipeline3-0ms}, {@code pipeline3-20ms}: a workflow of 3 sequential steps (each gets the
 *       previous one's output), model delay 0 / 20 ms;
 *   <li>{@code fanout4-0ms}, {@code fanout4-20ms}: a 4-way fan-out ({@code forEach} over 4 items, join
 *       ALL), then a join step that gets the 4 outputs;
 *   <li>{@code slow2s}: {@code bench.slowTasks} (10,000) one-step capability tasks on a model that
 *       answers after 2 s, all submitted as fast as the node accepts them, all in flight together.
 * </ul>
 *
 * <p>The first four warm up with {@code bench.warmup} tasks, then run {@code bench.tasks} tasks with
 * exactly {@code bench.concurrency} (64) in flight (submit, await the result, submit the next).
 * After the measured run the node is stopped and the journal is read with plain JDBC.
 *
 * <p>System properties: {@code bench.tasks} (2000), {@code bench.warmup} (300), {@code bench.concurrency}
 * (64), {@code bench.slowTasks} (10000), {@code bench.slowDelayMs} (2000), {@code bench.slowWarmup} (100),
 * {@code bench.submitWindow} (256 submissions awaiting acceptance at once, slow2s), {@code bench.instances}
 * (4 instances per agent type), {@code bench.slowInstances} (16), {@code bench.timeoutMinutes} (10, per
 * scenario), {@code bench.out} (a file the table rows are appended to), {@code bench.keep} (keep the data
 * directories), {@code bench.sampleThreads} (a diagnostic: name where new threads come from; it adds
 * a sampling thread and some CPU, so leave it off for the numbers), {@code bench.queryStats} (a
 * diagnostic: H2's per-statement times over the measured run, from
 * {@code INFORMATION_SCHEMA.QUERY_STATISTICS}). Any {@code -Dtroupe.*} or
 * {@code -Dpekko.*} property overrides the node's configuration.
 *
 * <p>Output: a Markdown row per scenario (stdout, and appended to {@code bench.out}) plus details
 * (failure reasons, H2 counters, journal rows and bytes by persistence-id prefix and event type).
 * tasks/s counts COMPLETED tasks with the expected output only; a FAILED or CANCELLED task, a
 * submission not answered within {@code troupe.http.request-timeout} (the task may still run) or a
 * wrong output counts as failed. Latency is submit to result. CPU, threads and H2 counters cover
 * the measured run; journal rows and bytes are totals after the node stopped, divided by all tasks
 * the scenario submitted (warm-up included); "H2 file writes/task" is H2's {@code info.FILE_WRITE}
 * over the measured run per measured task (with WRITE_DELAY=0, about one per commit). A concurrent
 * build rewrites {@code target/}: copy the class directories elsewhere first if one may run.
 *
 * <p>The exit status is 1 if a scenario failed or ran out of time; a FAILED task is never counted as done.
 */
public final class EngineBench {
  static final List<String> SCENARIOS = List.of("pipeline3-0ms", "pipeline3-20ms", "fanout4-0ms", "fanout4-20ms",
      "slow2s");
  static final Duration TIMEOUT = Duration.ofMinutes(Long.getLong("bench.timeoutMinutes", 10));
  private static final int TASKS = Integer.getInteger("bench.tasks", 2000);
  private static final int WARMUP = Integer.getInteger("bench.warmup", 300);
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 64);
  private static final int SLOW_TASKS = Integer.getInteger("bench.slowTasks", 10_000);
  private static final long SLOW_DELAY_MS = Long.getLong("bench.slowDelayMs", 2000);
  private static final int SLOW_WARMUP = Integer.getInteger("bench.slowWarmup", 100);
  private static final int SUBMIT_WINDOW = Integer.getInteger("bench.submitWindow", 256);
  private static final int INSTANCES = Integer.getInteger("bench.instances", 4);
  private static final int SLOW_INSTANCES = Integer.getInteger("bench.slowInstances", 16);
  private static final boolean QUERY_STATS = Boolean.getBoolean("bench.queryStats");
  private static final String TEXT = "Benchmark task %d. Anvils are heavy. They are made of steel.";

  static final String HEADER = "| scenario | tasks (warm-up+measured) | completed | failed | tasks/s | ideal tasks/s"
      + " | % of ideal | p50 ms | p99 ms | max ms | CPU ms/task | threads idle / peak | threads started"
      + " | journal rows/task | tag rows/task | snapshot rows/task | event B/task | snapshot B/task | mv.db B/task"
      + " | H2 file writes/task |\n"
      + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

  private EngineBench() {}

  public static void main(String[] args) throws Exception {
    List<String> scenarios = args.length == 0 ? SCENARIOS : List.of(args);
    for (String s : scenarios) {
      if (!SCENARIOS.contains(s)) {
        System.err.println("unknown scenario " + s + "; known: " + SCENARIOS);
        System.exit(2);
      }
    }
    String out = System.getProperty("bench.out");
    System.out.printf(Locale.ROOT, "# EngineBench: %s; %d cores, java %s, loadavg before: %s%n", scenarios,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadAverage());
    List<String> rows = new ArrayList<>();
    boolean allOk = true;
    for (String scenario : scenarios) {
      String row;
      try {
        row = run(scenario);
      } catch (Exception e) {
        allOk = false;
        System.out.println("## " + scenario + " FAILED: " + e);
        row = "| " + scenario + " | FAILED: " + String.valueOf(e).replace('|', '/').replace('\n', ' ')
            + " |||||||||||||||||||";
      }
      rows.add(row);
      System.out.println(HEADER);
      System.out.println(row);
      if (out != null) {
        Path file = Path.of(out);
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        Files.writeString(file, (fresh ? HEADER + "\n" : "") + row + "\n", StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "loadavg after: %s%n", loadAverage());
    System.out.println(HEADER);
    rows.forEach(System.out::println);
    System.exit(allOk ? 0 : 1);
  }

  // ---- scenarios ----

  private static String run(String scenario) throws Exception {
    LoadDriver.Deadline deadline = LoadDriver.Deadline.in(scenario, TIMEOUT);
    System.out.println();
    System.out.println("## " + scenario + " (loadavg " + loadAverage() + ")");
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "stub-model-scheduler");
      t.setDaemon(true);
      return t;
    });
    Path dataDir = Files.createTempDirectory("troupe-bench-" + scenario + "-");
    try {
      return switch (scenario) {
        case "pipeline3-0ms" -> closedLoop(scenario, pipeline(0, scheduler), dataDir, deadline);
        case "pipeline3-20ms" -> closedLoop(scenario, pipeline(20, scheduler), dataDir, deadline);
        case "fanout4-0ms" -> closedLoop(scenario, fanout(0, scheduler), dataDir, deadline);
        case "fanout4-20ms" -> closedLoop(scenario, fanout(20, scheduler), dataDir, deadline);
        case "slow2s" -> slow(scenario, scheduler, dataDir, deadline);
        default -> throw new IllegalArgumentException(scenario);
      };
    } finally {
      scheduler.shutdownNow();
      if (!Boolean.getBoolean("bench.keep")) {
        deleteTree(dataDir);
      } else {
        System.out.println("  data kept in " + dataDir);
      }
    }
  }

  /** What a scenario runs: its agents, its workflow (or none), its tasks and its expected output. */
  private record Setup(StubModel model, long delayMs, int criticalSteps, List<AgentRegistration> agents,
      WorkflowDefinition workflow, String capability, IntFunction<JsonNode> input, Predicate<JsonNode> outputOk) {}

  private static Setup pipeline(long delayMs, ScheduledExecutorService scheduler) {
    int slots = 2 * CONCURRENCY;
    WorkflowDefinition workflow = Workflow.builder("bench-pipeline3")
        .step("s1", "bench.s1").input("{\"text\": \"${input.text}\"}").done()
        .step("s2", "bench.s2").after("s1").input("{\"previous\": \"${steps.s1.output.text}\"}").done()
        .step("s3", "bench.s3").after("s2").input("{\"previous\": \"${steps.s2.output.text}\"}").done()
        .build();
    return new Setup(new StubModel(delayMs, scheduler), delayMs, 3,
        List.of(agent("bench-s1", "bench.s1", "s1", slots, INSTANCES), agent("bench-s2", "bench.s2", "s2", slots,
            INSTANCES), agent("bench-s3", "bench.s3", "s3", slots, INSTANCES)),
        workflow, null, n -> JsonNodeFactory.instance.objectNode().put("text", String.format(Locale.ROOT, TEXT, n)),
        output -> "s3".equals(output.path("stage").asText()));
  }

  private static Setup fanout(long delayMs, ScheduledExecutorService scheduler) {
    WorkflowDefinition workflow = Workflow.builder("bench-fanout4")
        .step("part", "bench.part").forEach("${input.items}", "item", JoinPolicy.ALL, null)
            .input("{\"item\": \"${item}\", \"text\": \"${input.text}\"}").done()
        .step("join", "bench.join").after("part").input("{\"parts\": \"${steps.part.output.items}\"}").done()
        .build();
    return new Setup(new StubModel(delayMs, scheduler), delayMs, 2,
        List.of(agent("bench-part", "bench.part", "part", 4 * 2 * CONCURRENCY, INSTANCES),
            agent("bench-join", "bench.join", "join", 2 * CONCURRENCY, INSTANCES)),
        workflow, null, n -> {
          ObjectNode input = JsonNodeFactory.instance.objectNode().put("text", String.format(Locale.ROOT, TEXT, n));
          input.putArray("items").add(1).add(2).add(3).add(4);
          return input;
        },
        output -> "join".equals(output.path("stage").asText()) && output.path("parts").size() == 4);
  }

  /**
   * An agent whose step makes one model call with the step's input as the prompt and answers the
   * reply's text; {@code slots} steps at once over all its instances (so capacity is never the limit).
   */
  private static AgentRegistration agent(String type, String capability, String stage, int slots, int instances) {
    int perInstance = Math.max(4, (slots + instances - 1) / instances);
    AgentDefinition definition = AgentDefinition.builder(type)
        .role("A benchmark stage that asks the model once.")
        .capability(capability, Duration.ofSeconds(5), "0")
        .limits(new AgentLimits(perInstance, 100_000_000, new BigDecimal("1000000")))
        .build();
    Agent agent = Agent.of(definition, step -> step.model()
        .complete(new ModelRequest("You are a benchmark stage.", step.input().toString(), 64))
        .thenApply(reply -> {
          ObjectNode output = JsonNodeFactory.instance.objectNode().put("stage", stage).put("text", reply.text());
          JsonNode parts = step.input().get("parts");
          if (parts != null) {
            output.set("parts", parts);
          }
          return StepOutcome.completed(output, 1.0);
        }));
    return new AgentRegistration(agent, instances);
  }

  private static TaskRequest request(Setup setup, PinnedWorkflow pinned, int n) {
    return new TaskRequest("default", setup.capability(), pinned, null, null, setup.input().apply(n), null, null, null,
        Map.of(), "bench");
  }

  private static String closedLoop(String scenario, Setup setup, Path dataDir, LoadDriver.Deadline deadline)
      throws Exception {
    Measure measure;
    LoadDriver.Run run;
    int total = WARMUP + TASKS;
    try (BenchNode node = BenchNode.start(dataDir, setup.agents(), setup.model(), List.of(setup.workflow()))) {
      PinnedWorkflow pinned = node.runtime.workflows().resolve(setup.workflow().name(), null).toCompletableFuture()
          .get(30, TimeUnit.SECONDS).orElseThrow();
      LoadDriver driver = new LoadDriver(node.runtime.tasks(), n -> request(setup, pinned, n), setup.outputOk());
      LoadDriver.Run warm = driver.closedLoop(WARMUP, CONCURRENCY, deadline);
      System.out.printf(Locale.ROOT, "  warm-up: %d tasks, %d completed, %d failed, %.0f tasks/s%s%n", WARMUP,
          warm.completed.get(), warm.failed.get(), warm.completedPerSecond(), failures(warm));
      measure = Measure.start(dataDir);
      ThreadSampler sampler = ThreadSampler.startIfAsked();
      run = driver.closedLoop(TASKS, CONCURRENCY, deadline);
      measure.stop(dataDir);
      sampled(sampler);
      System.out.printf(Locale.ROOT, "  measured: %d tasks in %.2f s, %d model calls in all%n", TASKS, run.seconds(),
          setup.model().calls.get());
    }
    double ideal = setup.delayMs() == 0 ? Double.NaN
        : CONCURRENCY / (setup.criticalSteps() * setup.delayMs() / 1000.0);
    return report(scenario, WARMUP, run, ideal, measure, JournalStats.read(dataDir), total);
  }

  private static String slow(String scenario, ScheduledExecutorService scheduler, Path dataDir,
      LoadDriver.Deadline deadline) throws Exception {
    int slots = SLOW_TASKS + SLOW_TASKS / 4;
    Setup setup = new Setup(new StubModel(SLOW_DELAY_MS, scheduler), SLOW_DELAY_MS, 1,
        List.of(agent("bench-slow", "bench.slow", "slow", slots, SLOW_INSTANCES)), null, "bench.slow",
        n -> JsonNodeFactory.instance.objectNode().put("text", String.format(Locale.ROOT, TEXT, n)),
        output -> "slow".equals(output.path("stage").asText()));
    Measure measure;
    LoadDriver.Run run;
    try (BenchNode node = BenchNode.start(dataDir, setup.agents(), setup.model(), List.of())) {
      LoadDriver driver = new LoadDriver(node.runtime.tasks(), n -> request(setup, null, n), setup.outputOk());
      LoadDriver.Run warm = driver.burst(SLOW_WARMUP, SUBMIT_WINDOW, deadline);
      System.out.printf(Locale.ROOT, "  warm-up: %d tasks, %d completed, %d failed%s%n", SLOW_WARMUP,
          warm.completed.get(), warm.failed.get(), failures(warm));
      measure = Measure.start(dataDir);
      ThreadSampler sampler = ThreadSampler.startIfAsked();
      run = driver.burst(SLOW_TASKS, SUBMIT_WINDOW, deadline);
      measure.stop(dataDir);
      sampled(sampler);
      System.out.printf(Locale.ROOT, "  measured: %d tasks; all accepted after %.2f s (%.0f accepted/s), all ended"
              + " after %.2f s; ideal %.0f tasks/s if submission were instant (%d tasks / %.1f s model delay)%n",
          SLOW_TASKS, run.submitSeconds(), SLOW_TASKS / run.submitSeconds(), run.seconds(),
          SLOW_TASKS / (SLOW_DELAY_MS / 1000.0), SLOW_TASKS, SLOW_DELAY_MS / 1000.0);
    }
    // Bounded by submission: the last task cannot end before it is accepted plus one model delay.
    double ideal = SLOW_TASKS / (run.submitSeconds() + SLOW_DELAY_MS / 1000.0);
    return report(scenario, SLOW_WARMUP, run, ideal, measure, JournalStats.read(dataDir), SLOW_WARMUP + SLOW_TASKS);
  }

  // ---- measuring ----

  /** Process CPU, threads and H2's counters over the measured run. */
  private static final class Measure {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    int idleThreads;
    long cpuNanos;
    long startedThreads;
    int peakThreads;
    Map<String, Long> h2Before;
    Map<String, Long> h2Delta = new java.util.TreeMap<>();
    long h2FileSize;

    static Measure start(Path dataDir) throws InterruptedException {
      Measure m = new Measure();
      Thread.sleep(1000); // let the warm-up's stragglers settle before counting idle threads
      if (QUERY_STATS) {
        JournalStats.startQueryStatistics(dataDir);
      }
      m.h2Before = JournalStats.h2Counters(dataDir);
      m.idleThreads = THREADS.getThreadCount();
      THREADS.resetPeakThreadCount();
      m.startedThreads = THREADS.getTotalStartedThreadCount();
      m.cpuNanos = OS.getProcessCpuTime();
      return m;
    }

    void stop(Path dataDir) {
      cpuNanos = OS.getProcessCpuTime() - cpuNanos;
      startedThreads = THREADS.getTotalStartedThreadCount() - startedThreads;
      peakThreads = THREADS.getPeakThreadCount();
      Map<String, Long> after = JournalStats.h2Counters(dataDir);
      after.forEach((k, v) -> h2Delta.put(k, v - h2Before.getOrDefault(k, 0L)));
      h2FileSize = after.getOrDefault("info.FILE_SIZE", -1L);
      if (QUERY_STATS) {
        System.out.print(JournalStats.queryStatistics(dataDir, 15));
      }
    }
  }

  private static void sampled(ThreadSampler sampler) {
    if (sampler != null) {
      sampler.close();
      System.out.print(sampler.report());
    }
  }

  private static String failures(LoadDriver.Run run) {
    return run.failed.get() == 0 ? "" : " (" + run.failureSummary() + ")";
  }

  private static String report(String scenario, int warmup, LoadDriver.Run run, double ideal, Measure m,
      JournalStats journal, long totalTasks) {
    int measured = run.tasks;
    double tps = run.completedPerSecond();
    if (run.failed.get() > 0) {
      System.out.println("  failures: " + run.failureSummary());
    }
    System.out.printf(Locale.ROOT, "  CPU %.0f ms over the run; threads: %d idle before, %d peak, %d started%n",
        m.cpuNanos / 1e6, m.idleThreads, m.peakThreads, m.startedThreads);
    System.out.println("  H2 counters over the measured run (INFORMATION_SCHEMA.SETTINGS info.*, deltas): "
        + m.h2Delta);
    System.out.printf(Locale.ROOT, "  H2 file while running, at the end of the run: %d B (%.0f B/task); after the"
            + " node stopped: %d B%n", m.h2FileSize, JournalStats.per(m.h2FileSize, totalTasks), journal.fileBytes);
    System.out.print(journal.breakdown(totalTasks));
    Long fileWrites = m.h2Delta.get("info.FILE_WRITE");
    return String.format(Locale.ROOT,
        "| %s | %d+%d | %d | %d | %.0f | %s | %s | %.1f | %.1f | %.1f | %.2f | %d / %d | %d | %.1f | %.1f | %.3f"
            + " | %.0f | %.0f | %.0f | %s |",
        scenario, warmup, measured, run.completed.get(), run.failed.get(), tps,
        Double.isNaN(ideal) ? "n/a" : String.format(Locale.ROOT, "%.0f", ideal),
        Double.isNaN(ideal) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * tps / ideal),
        run.percentileMillis(50), run.percentileMillis(99), run.percentileMillis(100),
        m.cpuNanos / 1e6 / measured, m.idleThreads, m.peakThreads, m.startedThreads,
        JournalStats.per(journal.eventRows, totalTasks), JournalStats.per(journal.tagRows, totalTasks),
        JournalStats.per(journal.snapshotRows, totalTasks), JournalStats.per(journal.eventBytes, totalTasks),
        JournalStats.per(journal.snapshotBytes, totalTasks), JournalStats.per(journal.fileBytes, totalTasks),
        fileWrites == null ? "n/m" : String.format(Locale.ROOT, "%.2f", (double) fileWrites / measured));
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
