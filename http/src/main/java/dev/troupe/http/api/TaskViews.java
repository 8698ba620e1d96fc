package dev.troupe.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.task.StepState;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The task as API.md shows it; mapped from the entity's state, never the state itself. */
public final class TaskViews {
  private TaskViews() {}

  public record Links(String self, String events) {
    public static Links of(String taskId) {
      return new Links("/v1/tasks/" + taskId, "/v1/tasks/" + taskId + "/events");
    }
  }

  public record Submitted(String taskId, String status, String traceId, Links links) {}

  public record UsageView(long tokens, BigDecimal costUsd, int modelCalls, int toolCalls) {
    static UsageView of(Usage usage) {
      return new UsageView(usage.tokens(), usage.costUsd(), usage.modelCalls(), usage.toolCalls());
    }
  }

  /** The limits, and the journaled ledger against them: settled spend and reservations in flight. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record BudgetView(Long maxTokens, BigDecimal maxCostUsd, long spentTokens, BigDecimal spentCostUsd,
      long reservedTokens, BigDecimal reservedCostUsd) {
    static BudgetView of(TaskState task) {
      var ledger = task.ledger();
      return new BudgetView(task.budget().maxTokens(), task.budget().maxCostUsd(), ledger.spentTokens(),
          ledger.spentCostUsd(), ledger.reservedTokens(), ledger.reservedCostUsd());
    }
  }

  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record StepView(
      String stepId, String name, String capability, String agentId, String status, int attempts,
      Instant startedAt, Instant endedAt, long tokens, BigDecimal costUsd, Double confidence, JsonNode output,
      String error) {
    static StepView of(StepState step) {
      return new StepView(step.stepId(), step.name(), step.capability(), step.agentId(), step.status().name(),
          step.attempts(), step.startedAt(), step.endedAt(), step.usage().tokens(), step.usage().costUsd(),
          step.confidence(), step.output(), step.error());
    }
  }

  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record TaskView(
      String taskId, String status, String capability, String workflow, String goal, String parentTaskId,
      JsonNode input, JsonNode output,
      String error, String traceId, Instant createdAt, Instant updatedAt, Map<String, String> labels,
      UsageView usage, BudgetView budget, String deadline, String priority, List<StepView> steps,
      List<String> pendingApprovals, List<ApprovalView> approvals, List<String> guidance) {
    /**
     * The task as a client sees it: its output, step outputs and proposed actions masked by
     * {@code redactor} (the journal keeps the step outputs, which later steps need).
     */
    public static TaskView of(TaskState task, dev.troupe.runtime.guard.Redactor redactor) {
      TaskView view = of(task);
      if (!redactor.isEnabled()) {
        return view;
      }
      return new TaskView(view.taskId(), view.status(), view.capability(), view.workflow(), view.goal(),
          view.parentTaskId(), redactor.redact(view.input()).json(), redactor.redact(view.output()).json(),
          redactor.redactText(view.error()), view.traceId(), view.createdAt(), view.updatedAt(), view.labels(),
          view.usage(), view.budget(),
          view.deadline(), view.priority(), view.steps().stream().map(step -> new StepView(step.stepId(), step.name(),
              step.capability(), step.agentId(), step.status(), step.attempts(), step.startedAt(), step.endedAt(),
              step.tokens(), step.costUsd(), step.confidence(), redactor.redact(step.output()).json(),
              redactor.redactText(step.error())))
              .toList(),
          view.pendingApprovals(), view.approvals().stream().map(a -> ApprovalView.redacted(a, redactor)).toList(),
          view.guidance().stream().map(redactor::redactText).toList());
    }

    public static TaskView of(TaskState task) {
      String workflow = task.workflow() == null ? null : task.workflow() + "@" + task.workflowVersion();
      return new TaskView(task.taskId(), task.status().name(), task.capability(), workflow, task.goal(),
          task.parentTaskId(), task.input(),
          task.output(), task.error(), task.traceId(), task.createdAt(), task.updatedAt(), task.labels(),
          UsageView.of(task.usage()), BudgetView.of(task),
          task.deadline() == null ? null : task.deadline().toString(),
          task.priority().name().toLowerCase(java.util.Locale.ROOT),
          task.steps().stream().map(StepView::of).toList(),
          task.approvals().stream().filter(a -> a.status().isOpen()).map(a -> a.approvalId()).toList(),
          task.approvals().stream().map(a -> ApprovalView.of(task.taskId(), a)).toList(), task.guidance());
    }
  }

  /** A task in a list: where it stands and what it cost, without inputs, outputs or steps. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record TaskSummaryView(
      String taskId, String status, String capability, String workflow, Instant createdAt, Instant updatedAt,
      Map<String, String> labels, UsageView usage, String error, int pendingApprovals, Links links) {
    public static TaskSummaryView of(dev.troupe.runtime.directory.TaskSummary task,
        dev.troupe.runtime.guard.Redactor redactor) {
      String workflow = task.workflow() == null ? null : task.workflow() + "@" + task.workflowVersion();
      return new TaskSummaryView(task.taskId(), task.status().name(), task.capability(), workflow, task.createdAt(),
          task.updatedAt(), task.labels(), UsageView.of(task.usage()), redactor.redactText(task.error()),
          task.pendingApprovals(), Links.of(task.taskId()));
    }
  }

  /** A page of a list; {@code nextCursor} is null on the last page. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record ListPage<T>(List<T> items, String nextCursor) {}
}
