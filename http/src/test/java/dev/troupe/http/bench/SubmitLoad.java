package dev.troupe.http.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load harness, not a test: submits tasks to a running server from {@code clients} concurrent
 * clients and reports how fast 202s come back (each one means the task is journaled, with
 * H2's WRITE_DELAY=0) and how long the tasks take to complete. Results live in
 * docs/benchmarks.md. Run it against a server started with the README's run command:
 *
 * <pre>
 * java -cp "http/target/test-classes" dev.troupe.http.bench.SubmitLoad http://127.0.0.1:8080 "$(cat data/admin.key)" 2000 16
 * </pre>
 */
public final class SubmitLoad {
  private SubmitLoad() {}

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    String key = args[1];
    int tasks = Integer.parseInt(args[2]);
    int clients = Integer.parseInt(args[3]);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Long> latenciesMicros = Collections.synchronizedList(new ArrayList<>());
    List<String> taskIds = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    int finishedBefore = finished(http, base);
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
            latenciesMicros.add((System.nanoTime() - t0) / 1_000);
            if (response.statusCode() == 202) {
              String id = response.body().replaceAll(".*\"taskId\":\"([^\"]+)\".*", "$1");
              taskIds.add(id);
            } else {
              refused.incrementAndGet();
            }
          } catch (Exception e) {
            refused.incrementAndGet();
          }
        }
      }, pool));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    double submitSeconds = (System.nanoTime() - started) / 1e9;
    pool.shutdown();

    // Wait for every accepted task to complete, polling the list (the directory trails a little).
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    int completed = 0;
    while (System.nanoTime() < deadline) {
      completed = finished(http, base) - finishedBefore;
      if (completed >= taskIds.size()) {
        break;
      }
      Thread.sleep(200);
    }
    double allSeconds = (System.nanoTime() - started) / 1e9;
    List<Long> sorted = new ArrayList<>(latenciesMicros);
    Collections.sort(sorted);
    String report = String.format(java.util.Locale.ROOT,
        "tasks=%d clients=%d accepted=%d refused=%d%n"
            + "submit: %.1f s, %.0f accepted/s; 202 latency p50=%.1f ms p95=%.1f ms p99=%.1f ms max=%.1f ms%n"
            + "all finished (as /metrics counts them) after %.1f s: %.0f tasks/s end to end%n",
        tasks, clients, taskIds.size(), refused.get(), submitSeconds, taskIds.size() / submitSeconds,
        pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), sorted.get(sorted.size() - 1) / 1000.0, allSeconds,
        completed / allSeconds);
    System.out.print(report);
    if (args.length > 4) {
      Files.writeString(Path.of(args[4]), report);
    }
  }

  /** Tasks finished so far, as /metrics counts them (totals over the journal). */
  private static int finished(HttpClient http, URI base) throws Exception {
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return metrics.body().lines().filter(l -> l.startsWith("troupe_tasks_finished_total"))
        .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static double pct(List<Long> sorted, int p) {
    int index = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
    return sorted.get(Math.max(0, index)) / 1000.0;
  }
}
