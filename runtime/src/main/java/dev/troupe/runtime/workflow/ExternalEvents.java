package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.task.PinnedWorkflow;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Events posted from outside ({@code POST /v1/events}): each starts a task of every workflow
 * the poster's tenant sees whose trigger is {@code ExternalEvent} of that type. The tasks' ids
 * derive from the event id (itself from the tenant and its Idempotency-Key, when it has one) and
 * the workflow, so posting the same event again starts nothing new.
 */
public final class ExternalEvents {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What one event started (or had started, for a repeat), per triggered workflow. */
  public record Started(String workflow, String taskId, TaskEntity.SubmitReply reply) {}

  private final WorkflowClient workflows;
  private final TaskClient tasks;

  public ExternalEvents(WorkflowClient workflows, TaskClient tasks) {
    this.workflows = workflows;
    this.tasks = tasks;
  }

  /** Starts the triggered workflows' tasks; completes once each is journaled (empty: nobody listens). */
  public CompletionStage<List<Started>> post(String tenant, String type, String eventId, JsonNode data,
      AuditActor by, String traceId) {
    return workflows.withTriggers().thenCompose(triggered -> {
      List<CompletableFuture<Started>> starts = new ArrayList<>();
      for (PinnedWorkflow pinned : WorkflowClient.visibleTo(triggered, tenant, PinnedWorkflow::key)) {
        if (pinned.definition().trigger().firesOn(type)) {
          starts.add(start(pinned, tenant, type, eventId, data, by, traceId).toCompletableFuture());
        }
      }
      return CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new))
          .thenApply(all -> starts.stream().map(CompletableFuture::join).toList());
    });
  }

  private CompletionStage<Started> start(PinnedWorkflow pinned, String tenant, String type, String eventId,
      JsonNode data, AuditActor by, String traceId) {
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    event.put("type", type);
    event.put("eventId", eventId);
    event.set("data", data == null ? JsonNodeFactory.instance.objectNode() : data);
    event.put("tenant", tenant);
    ObjectNode scope = JsonNodeFactory.instance.objectNode();
    scope.set("event", event);
    JsonNode template = pinned.definition().trigger().input();
    JsonNode resolved = template == null ? JsonNodeFactory.instance.objectNode() : Templates.resolve(template, scope);
    JsonNode input = resolved.isObject() ? resolved : JsonNodeFactory.instance.objectNode().set("value", resolved);
    String taskId = TriggerRouter.triggeredTaskId(pinned.name(), eventId, Trigger.EXTERNAL + ":" + type);
    TaskRequest request = new TaskRequest(tenant, null, pinned, null, null, input, null, null, null,
        Map.of("triggeredBy", "event:" + eventId), CanonicalJson.sha256(MAPPER, scope));
    return tasks.submit(taskId, request, by, traceId).thenApply(reply -> new Started(pinned.name(), taskId, reply));
  }
}
