package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import dev.troupe.sdk.StepOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A parent that stops (cancelled, or past its deadline) stops the child tasks its agents started. */
class ChildCascadeIT {
  @TempDir
  static Path dataDir;
  private static EmbeddedNode node;
  private static final AuditActor TESTER = AuditActor.human("tester");

  @BeforeAll
  static void start() throws Exception {
    var parent = TestModels.agent("delegator", "parent.work", step -> step.delegate("child.work",
            JsonNodeFactory.instance.objectNode().put("part", 1))
        .thenApply(out -> StepOutcome.completed(JsonNodeFactory.instance.objectNode().set("child", out), 1.0)));
    var child = TestModels.agent("worker", "child.work", step -> new CompletableFuture<>()); // works forever
    node = EmbeddedNode.start(dataDir, List.of(parent, child), "troupe.tasks.step-timeout = 60s");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String submit(Duration deadline) throws Exception {
    String taskId = "tsk_" + UUID.randomUUID().toString().replace("-", "");
    TaskRequest request = TaskRequest.forCapability("default", "parent.work", null, null,
        JsonNodeFactory.instance.objectNode(), null, deadline, Priority.NORMAL, Map.of(), "h-" + taskId);
    node.runtime.tasks().submit(taskId, request, TESTER, "trace").toCompletableFuture().get(10, TimeUnit.SECONDS);
    return taskId;
  }

  /** The id a step's first delegation gets (derived, so a redelivered step finds the same child). */
  private static String childOf(String taskId) {
    return "tsk_" + HexFormat.of().formatHex(CanonicalJson.sha256()
        .digest((taskId + ".main#delegate-1").getBytes(StandardCharsets.UTF_8)), 0, 16);
  }

  private static TaskState running(String taskId) throws Exception {
    return WorkflowPatternsIT.await(node, taskId, s -> s.status() == TaskStatus.RUNNING && !s.steps().isEmpty());
  }

  @Test
  void cancellingAParentCancelsTheChildItsAgentStarted() throws Exception {
    String parent = submit(null);
    String child = childOf(parent);
    running(child);
    WorkflowPatternsIT.await(node, parent, s -> s.children().contains(child));
    var reply = node.runtime.tasks().cancel(parent, "not needed", TESTER).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(TaskEntity.Cancelled.class, reply.getClass());
    TaskState stopped = WorkflowPatternsIT.await(node, child, s -> s.status().isFinal());
    assertEquals(TaskStatus.CANCELLED, stopped.status());
    assertTrue(stopped.error().startsWith("the parent task " + parent + " ended CANCELLED: not needed"),
        stopped.error());
  }

  @Test
  void aParentPastItsDeadlineCancelsItsChild() throws Exception {
    // Over the agents' 5 s SLA, or the marketplace would not offer them for this task.
    String parent = submit(Duration.ofSeconds(6));
    String child = childOf(parent);
    running(child);
    assertEquals(TaskStatus.FAILED, WorkflowPatternsIT.await(node, parent, s -> s.status().isFinal()).status());
    TaskState stopped = WorkflowPatternsIT.await(node, child, s -> s.status().isFinal());
    assertEquals(TaskStatus.CANCELLED, stopped.status());
    assertTrue(stopped.error().contains("deadline"), stopped.error());
  }
}
