package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.StoredEntry;
import dev.troupe.runtime.model.ModelHealthEvent;
import dev.troupe.runtime.model.ModelHealthJournal;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tool that keeps failing is taken out by its breaker, and the node journals it, as it does for models. */
class ToolHealthIT {
  @TempDir
  Path dataDir;

  private final AtomicInteger calls = new AtomicInteger();

  @Test
  void aFailingToolsBreakerOpensAndTheNodeJournalsIt() throws Exception {
    Tool flaky = new Tool() {
      @Override
      public ToolSpec spec() {
        return new ToolSpec("crm.flaky", "fails", JsonNodeFactory.instance.objectNode().put("type", "object"), true,
            true, Duration.ofSeconds(1));
      }

      @Override
      public CompletionStage<JsonNode> call(ToolCall call) {
        calls.incrementAndGet();
        return CompletableFuture.failedFuture(new IllegalStateException("CRM is down"));
      }
    };
    Agent caller = Agent.of(AgentDefinition.builder("caller").role("Calls the CRM.")
            .capability("crm.call", Duration.ofSeconds(5), "0").tools("crm.flaky").build(),
        step -> step.tools().call("crm.flaky", JsonNodeFactory.instance.objectNode())
            .handle((out, error) -> StepOutcome.completed(JsonNodeFactory.instance.objectNode()
                .put("failed", error != null).put("error", error == null ? "" : error.getMessage()), 1.0)));
    try (EmbeddedNode node = EmbeddedNode.start(dataDir, List.of(caller), List.of(flaky),
        "troupe.agents.tool-breaker { minimum-calls = 2, open-for = 60s }")) {
      for (int i = 0; i < 3; i++) {
        String taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
        node.runtime.tasks().submit(taskId, TaskRequest.forCapability("default", "crm.call", null, null,
                JsonNodeFactory.instance.objectNode(), null, null, Priority.NORMAL, Map.of(), "h" + i),
            AuditActor.human("tester"), "trace").toCompletableFuture().get(10, TimeUnit.SECONDS);
        WorkflowPatternsIT.await(node, taskId, s -> s.status().isFinal());
      }
      assertEquals(2, calls.get(), "the third call found the breaker open and did not call the tool");
      String persistenceId = ModelHealthJournal.persistenceId(Cluster.get(node.system).selfMember().address()
          .hostPort());
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      List<StoredEntry> health = List.of();
      while (health.isEmpty() && System.nanoTime() < deadline) {
        health = node.runtime.audit().entries(persistenceId).toCompletableFuture().get(5, TimeUnit.SECONDS);
      }
      assertEquals(List.of(new ModelHealthEvent.ToolBreakerStateChanged("crm.flaky", "CLOSED", "OPEN")),
          health.stream().map(e -> e.entry().event()).toList());
      String metrics = new String(node.runtime.metrics().scrape(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(metrics.contains("troupe_tool_breaker_transitions_total{state=\"open\",tool=\"crm.flaky\"} 1.0"),
          metrics);
    }
  }
}
