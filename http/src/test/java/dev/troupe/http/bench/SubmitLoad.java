package dev.troupe.http.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A load harness, not a test: submits tasks to a running server from {@code clients} concurrent
 * clients and reports how fast 202s come back (each one means the task is journaled, with
 * H2's WRITE_DELAY=0) and how long the tasks take to finish. Answers are counted by kind: 202
 * (accepted), 429 (admission control said "later": the server working as designed, not a harness
 * error), 503 (the runtime did not answer in time) and anything else, plus requests that got no
 * answer at all. Finished tasks are counted by final status from {@code /metrics}
 * ({@code troupe_tasks_finished_total{status=...}}): COMPLETED, FAILED, CANCELLED and any other,
 * each on its own; the end-to-end rate counts COMPLETED tasks only. Results live in
 * docs/benchmarks.md. Run it against a server started with the README's run command:
 *
 * <pre>
 * java -cp "http/target/test-classes" dev.troupe.http.bench.SubmitLoad http://127.0.0.1:8080 "$(cat data/admin.key)" 2000 16 [report-file]
 * </pre>
 *
 * <p>The counts are deltas of totals over the whole journal, so run it against a server no one
 * else submits to. It exits with status 1 if some accepted task had not finished after 10 minutes.
 */
public final class SubmitLoad {
  private static final Pattern FINISHED =
      Pattern.compile("^troupe_tasks_finished_total\\{([^}]*)\\}\\s+(\\S+)");
  private static final Pattern STATUS = Pattern.compile("status=\"([^\"]*)\"");

  private SubmitLoad() {}

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    String key = args[1];
    int tasks = Integer.parseInt(args[2]);
    int clients = Integer.parseInt(args[3]);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Long> latenciesMicros = Collections.synchronizedList(new ArrayList<>());
    List<Long> answerMicros = Collections.synchronizedList(new ArrayList<>());
    List<String> taskIds = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    AtomicInteger tooMany = new AtomicInteger();
    AtomicInteger unavailable = new AtomicInteger();
    AtomicInteger otherStatus = new AtomicInteger();
    AtomicInteger noAnswer = new AtomicInteger();
    Map<String, Integer> finishedBefore = finished(http, base);
    long started = System.nanoTime();
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      workers.add(CompletableFuture.runAsync(() -> {
        int n;
        while ((n = next.getAndIncrement()) < tasks) {
          String body = "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Load run " + n
              + ". Anvils are heavy. They are made of steel.\"}}";
          HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/tasks"))
              .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
              .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long micros = (System.nanoTime() - t0) / 1_000;
            answerMicros.add(micros);
            switch (response.statusCode()) {
              case 202 -> {
                latenciesMicros.add(micros);
                taskIds.add(response.body().replaceAll(".*\"taskId\":\"([^\"]+)\".*", "$1"));
              }
              case 429 -> tooMany.incrementAndGet();
              case 503 -> unavailable.incrementAndGet();
              default -> otherStatus.incrementAndGet();
            }
          } catch (Exception e) {
            noAnswer.incrementAndGet();
          }
        }
      }, pool));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    double submitSeconds = (System.nanoTime() - started) / 1e9;
    pool.shutdown();

    // Wait for every accepted task to end (the metrics trail the journal a little).
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    Map<String, Integer> ended = Map.of();
    int endedTotal = 0;
    while (System.nanoTime() < deadline) {
      ended = minus(finished(http, base), finishedBefore);
      endedTotal = ended.values().stream().mapToInt(Integer::intValue).sum();
      if (endedTotal >= taskIds.size()) {
        break;
      }
      Thread.sleep(200);
    }
    double allSeconds = (System.nanoTime() - started) / 1e9;
    int completed = ended.getOrDefault("COMPLETED", 0);
    int failed = ended.getOrDefault("FAILED", 0);
    int cancelled = ended.getOrDefault("CANCELLED", 0);
    int otherFinal = endedTotal - completed - failed - cancelled;
    int unfinished = Math.max(0, taskIds.size() - endedTotal);
    List<Long> sorted = new ArrayList<>(latenciesMicros);
    Collections.sort(sorted);
    String latencies = sorted.isEmpty() ? "(no 202s)"
        : String.format(java.util.Locale.ROOT, "p50=%.1f ms p95=%.1f ms p99=%.1f ms max=%.1f ms",
            pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), sorted.get(sorted.size() - 1) / 1000.0);
    List<Long> allSorted = new ArrayList<>(answerMicros);
    Collections.sort(allSorted);
    String answered = allSorted.isEmpty() ? "(none)"
        : String.format(java.util.Locale.ROOT, "p50=%.1f ms p99=%.1f ms max=%.1f ms", pct(allSorted, 50),
            pct(allSorted, 99), allSorted.get(allSorted.size() - 1) / 1000.0);
    String report = String.format(java.util.Locale.ROOT,
        "tasks=%d clients=%d%n"
            + "answers: 202=%d 429=%d 503=%d other=%d no-answer=%d; every answer " + answered + "%n"
            + "submit: %.1f s, %.0f accepted/s; 202 latency %s%n"
            + "ended (as /metrics counts them): completed=%d failed=%d cancelled=%d other=%d unfinished=%d%n"
            + "after %.1f s: %.0f completed tasks/s end to end%n",
        tasks, clients, taskIds.size(), tooMany.get(), unavailable.get(), otherStatus.get(), noAnswer.get(),
        submitSeconds, taskIds.size() / submitSeconds, latencies,
        completed, failed, cancelled, otherFinal, unfinished, allSeconds, completed / allSeconds);
    System.out.print(report);
    if (args.length > 4) {
      Files.writeString(Path.of(args[4]), report, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE);
    }
    if (unfinished > 0) {
      System.err.println(unfinished + " accepted tasks had not ended after 10 minutes");
      System.exit(1);
    }
  }

  /** Tasks ended so far by final status, as /metrics counts them (totals over the journal, all tenants). */
  private static Map<String, Integer> finished(HttpClient http, URI base) throws Exception {
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (metrics.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + metrics.statusCode());
    }
    Map<String, Integer> byStatus = new TreeMap<>();
    metrics.body().lines().forEach(line -> {
      Matcher m = FINISHED.matcher(line);
      if (m.find()) {
        Matcher status = STATUS.matcher(m.group(1));
        String name = status.find() ? status.group(1) : "UNKNOWN";
        byStatus.merge(name, (int) Double.parseDouble(m.group(2)), Integer::sum);
      }
    });
    return byStatus;
  }

  private static Map<String, Integer> minus(Map<String, Integer> now, Map<String, Integer> before) {
    Map<String, Integer> delta = new TreeMap<>();
    now.forEach((status, n) -> delta.put(status, n - before.getOrDefault(status, 0)));
    return delta;
  }

  private static double pct(List<Long> sorted, int p) {
    int index = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
    return sorted.get(Math.max(0, index)) / 1000.0;
  }
}
