package dev.troupe.runtime.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.workflow.WorkflowClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Runs workflow subtasks as child tasks: the workflow pinned, the child submitted, its result awaited. */
public final class ChildWorkflows implements ChildTasks {
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = JsonMapper.builder().build();

  private final WorkflowClient workflows;
  private final TaskClient tasks;
  private final Duration timeout;

  public ChildWorkflows(WorkflowClient workflows, TaskClient tasks, Duration timeout) {
    this.workflows = workflows;
    this.tasks = tasks;
    this.timeout = timeout;
  }

  @Override
  public void started(String parentTaskId, String childTaskId) {
    tasks.childStarted(parentTaskId, null, childTaskId);
  }

  @Override
  public void cancel(String childTaskId, String reason, AuditActor by) {
    tasks.cancel(childTaskId, reason, by); // the child answers AlreadyFinished if it has ended
  }

  @Override
  public CompletionStage<TaskEntity.Result> run(String childTaskId, String workflow, JsonNode input, String tenant,
      String parentTaskId, String traceId) {
    String[] ref = workflow.split("@", 2);
    Integer version = ref.length == 2 ? Integer.valueOf(ref[1]) : null;
    return workflows.resolve(tenant, ref[0], version).thenCompose(pinned -> {
      if (pinned.isEmpty()) {
        return CompletableFuture.completedFuture(new TaskEntity.Result(childTaskId, TaskStatus.FAILED, null,
            "unknown workflow " + workflow));
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("workflow", workflow).put("parent", parentTaskId);
      body.set("input", input);
      TaskRequest request = new TaskRequest(tenant, null, pinned.get(), null, parentTaskId, input, null, null, null,
          Map.of("parentTaskId", parentTaskId), CanonicalJson.sha256(MAPPER, body));
      return tasks.submit(childTaskId, request, AuditActor.system("supervisor"), traceId)
          .thenCompose(accepted -> tasks.awaitResult(childTaskId, timeout));
    });
  }
}
