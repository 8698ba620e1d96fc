package dev.troupe.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/**
 * A call in flight to a provider holds no thread: 1,000 calls at once to a provider that takes
 * 2 s each keep the JVM's thread count within 40 of what it was idle.
 */
class ProviderThreadsIT {
  @Test
  void aThousandCallsInFlightHoldNoThreadEach() throws Exception {
    ActorTestKit kit = ActorTestKit.create();
    ExecutorService agents = Executors.newFixedThreadPool(4);
    try (FakeProvider fake = FakeProvider.openAi()) {
      ModelRouting routing = Models.routing(kit.system(), "providers.p { kind = openai-compatible, base-url = \""
          + fake.baseUrl() + "\", timeout = 30s }\nmodels.m { provider = p, name = slow }\ntiers.fast { primary = m }",
          Map.of(), agents);
      ModelClient model = routing.gateway().forTier("fast").orElseThrow();
      model.complete(new ModelRequest("", "warm up", 5)).toCompletableFuture().get(30, TimeUnit.SECONDS);
      fake.always(FakeProvider.openAiText("slow answer", 3, 2).after(Duration.ofSeconds(2)));

      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      int idle = threads.getThreadCount();
      AtomicInteger peak = new AtomicInteger(idle);
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          peak.accumulateAndGet(threads.getThreadCount(), Math::max);
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      sampler.start();
      long started = System.nanoTime();
      List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        calls.add(model.complete(new ModelRequest("", "call " + i, 5)).toCompletableFuture());
      }
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      sampling.set(false);
      sampler.join();

      System.out.println("ProviderThreadsIT: threads idle " + idle + ", peak " + peak.get() + ", 1,000 calls took "
          + tookMs + " ms");
      assertEquals(1000, calls.stream().filter(c -> c.join().text().equals("slow answer")).count());
      assertTrue(tookMs < 20_000, "the calls ran together, not one after another: " + tookMs + " ms");
      // The sampler itself is one of the threads counted.
      assertTrue(peak.get() - idle <= 40, "threads idle " + idle + ", at most " + peak.get() + " with 1,000 calls "
          + "in flight");
    } finally {
      agents.shutdownNow();
      kit.shutdownTestKit();
    }
  }
}
