package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.agent.Delegator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

/**
 * Runs an agent's delegation as a child task: submitted under the id the step derived (so a
 * redelivered step finds the same child), then awaited. The child has its own journal and
 * names its parent.
 */
public final class TaskDelegator implements Delegator {
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      com.fasterxml.jackson.databind.json.JsonMapper.builder().build();
  private final TaskClient tasks;
  private final Duration timeout;
  private final Executor executor;

  public TaskDelegator(TaskClient tasks, Duration timeout, Executor executor) {
    this.tasks = tasks;
    this.timeout = timeout;
    this.executor = executor;
  }

  @Override
  public CompletionStage<JsonNode> delegate(Delegation delegation) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("capability", delegation.capability());
    body.set("input", delegation.input());
    body.put("parentTaskId", delegation.parentTaskId());
    TaskRequest request = TaskRequest.forCapability(delegation.tenant(), delegation.capability(), null,
        delegation.parentTaskId(), delegation.input(), null, null, null, Map.of("parentTaskId", delegation.parentTaskId()),
        CanonicalJson.sha256(MAPPER, body));
    return tasks.submit(delegation.childTaskId(), request, AuditActor.agent(delegation.agentId()),
            delegation.traceId())
        .thenComposeAsync(reply -> {
          if (reply instanceof TaskEntity.Refused refused) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                "delegation of " + delegation.capability() + " was refused: " + refused.reason()));
          }
          // The parent records its child, so a cancel or a deadline of the parent reaches it.
          tasks.childStarted(delegation.parentTaskId(), delegation.parentStepId(), delegation.childTaskId());
          return tasks.awaitResult(delegation.childTaskId(), timeout);
        }, executor)
        .thenApplyAsync(result -> {
          if (result.status() == TaskStatus.COMPLETED) {
            return result.output();
          }
          throw new dev.troupe.sdk.DelegationFailedException(delegation.childTaskId(), "delegated task "
              + delegation.childTaskId() + " (" + delegation.capability() + ") ended " + result.status() + ": "
              + result.error());
        }, executor)
        .exceptionallyCompose(error -> CompletableFuture.failedFuture(
            error.getCause() instanceof TimeoutException
                ? new IllegalStateException("delegated task " + delegation.childTaskId() + " did not finish within "
                    + timeout, error.getCause())
                : error));
  }
}
