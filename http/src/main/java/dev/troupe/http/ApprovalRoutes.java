package dev.troupe.http;

import dev.troupe.config.HttpSettings;
import dev.troupe.config.Role;
import dev.troupe.http.api.ApprovalView;
import dev.troupe.http.api.DecisionRequest;
import dev.troupe.http.api.ListQuery;
import dev.troupe.http.api.TaskViews;
import dev.troupe.http.auth.Principal;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.approval.ApprovalIds;
import dev.troupe.runtime.approval.ApprovalStatus;
import dev.troupe.runtime.directory.ApprovalEntry;
import dev.troupe.runtime.directory.Page;
import dev.troupe.runtime.task.TaskEntity;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/approvals}: list, read, approve, reject. A single approval is asked of its task (the
 * id names it), so a decision is never made on a stale view; only the list comes from the
 * directory, which trails the journal slightly.
 */
final class ApprovalRoutes extends AllDirectives {
  private static final String INSTANCE = "/v1/approvals";
  private static final Set<Role> READ = Set.of(Role.APPROVER, Role.AUDITOR);
  private static final Set<Role> DECIDE = Set.of(Role.APPROVER);

  private final TroupeRuntime runtime;
  private final JsonBody body;
  private final Executor executor;

  ApprovalRoutes(TroupeRuntime runtime, HttpSettings http, Executor executor) {
    this.runtime = runtime;
    this.body = new JsonBody(http);
    this.executor = executor;
  }

  Route routes(Principal principal) {
    return pathPrefix("approvals", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> list(principal))),
        path(PathMatchers.segment(), id -> get(() -> read(principal, id))),
        path(PathMatchers.segment().slash("approve"), id -> post(() -> decide(principal, id,
            TaskEntity.Decision.APPROVE))),
        path(PathMatchers.segment().slash("reject"), id -> post(() -> decide(principal, id,
            TaskEntity.Decision.REJECT)))));
  }

  private Route list(Principal principal) {
    if (!principal.mayAny(READ)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "listing approvals needs the approver, auditor or "
          + "admin role", INSTANCE));
    }
    return parameterMap(params -> {
      ListQuery<ApprovalStatus> query = ListQuery.parse(params, ApprovalStatus.class);
      if (query.problem() != null) {
        return complete(Problems.badRequest(query.problem().detail(), INSTANCE));
      }
      Page<ApprovalEntry> page = runtime.directory().approvals(principal.tenant(), query.status(), query.limit(),
          query.cursor());
      return complete(json(StatusCodes.OK, new TaskViews.ListPage<>(
          page.items().stream().map(e -> ApprovalView.of(e.taskId(), e.approval())).toList(), page.nextCursor())));
    });
  }

  private Route read(Principal principal, String approvalId) {
    String instance = INSTANCE + "/" + approvalId;
    if (!principal.mayAny(READ)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "reading approvals needs the approver, auditor or "
          + "admin role", instance));
    }
    return completeWithFuture(ownApproval(principal, approvalId)
        .thenApplyAsync(found -> found.map(f -> json(StatusCodes.OK, ApprovalView.of(f.task().taskId(),
            f.approval()))).orElseGet(() -> notFound(approvalId)), executor)
        .exceptionally(TaskRoutes::unavailable));
  }

  private Route decide(Principal principal, String approvalId, TaskEntity.Decision decision) {
    String verb = decision == TaskEntity.Decision.APPROVE ? "approve" : "reject";
    String instance = INSTANCE + "/" + approvalId + "/" + verb;
    if (!principal.mayAny(DECIDE)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "deciding approvals needs the approver or admin role",
          instance));
    }
    // No body at all is a decision without a comment.
    return body.read(instance, "the decision ({\"comment\": \"...\"}), or no body",
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), json -> {
      DecisionRequest parsed = DecisionRequest.parse(json);
      if (parsed.problem() != null) {
        return complete(Problems.badRequest(parsed.problem().detail(), instance));
      }
      // The tenant check comes first: another tenant's approval must not even be decidable by id.
      CompletionStage<HttpResponse> response = ownApproval(principal, approvalId).thenComposeAsync(found -> {
        if (found.isEmpty()) {
          return CompletableFuture.completedFuture(notFound(approvalId));
        }
        String taskId = found.get().task().taskId();
        return runtime.tasks().decide(taskId, approvalId, decision, parsed.comment(), principal.asAuditActor())
            .thenApplyAsync(reply -> decided(reply, approvalId, instance), executor);
      }, executor).exceptionally(TaskRoutes::unavailable);
      return completeWithFuture(response);
      });
  }

  private static HttpResponse decided(TaskEntity.DecisionReply reply, String approvalId, String instance) {
    if (reply instanceof TaskEntity.ApprovalFound found) {
      return json(StatusCodes.OK, ApprovalView.of(found.task().taskId(), found.approval()));
    }
    if (reply instanceof TaskEntity.AlreadyDecided already) {
      var approval = already.approval();
      String by = approval.decidedBy() == null ? "" : " by " + approval.decidedBy();
      String at = approval.decidedAt() == null ? "" : " at " + approval.decidedAt();
      return Problems.response(StatusCodes.CONFLICT, "approval " + approvalId + " is already "
          + approval.status() + by + at + "; nothing changed", instance);
    }
    return notFound(approvalId);
  }

  /** The approval, if it exists and belongs to the caller's tenant. */
  private CompletionStage<Optional<TaskEntity.ApprovalFound>> ownApproval(Principal principal, String approvalId) {
    Optional<String> taskId = ApprovalIds.taskOf(approvalId);
    if (taskId.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return runtime.tasks().approval(taskId.get(), approvalId).thenApplyAsync(reply ->
        reply instanceof TaskEntity.ApprovalFound found && found.task().tenant().equals(principal.tenant())
            ? Optional.of(found) : Optional.empty(), executor);
  }

  private static HttpResponse notFound(String approvalId) {
    return Problems.response(StatusCodes.NOT_FOUND, "no approval " + approvalId, INSTANCE + "/" + approvalId);
  }

  private static HttpResponse json(StatusCode status, Object body) {
    return JsonBody.json(status, body);
  }
}
