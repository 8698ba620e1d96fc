package dev.troupe.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.config.Role;
import dev.troupe.http.auth.Principal;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.util.ByteString;

/**
 * {@code /v1/audit}: a task's full timeline (every journaled event with its stamp), its hash-chain
 * verification, and an NDJSON export of the caller's tenant's task events. For auditors and admins.
 */
final class AuditRoutes extends AllDirectives {
  private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Set<Role> AUDIT = Set.of(Role.AUDITOR);
  private static final ContentType NDJSON = ContentTypes.create(MediaTypes.applicationWithOpenCharset("x-ndjson"),
      org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);

  private final TroupeRuntime runtime;
  private final JournalViews views;
  private final Executor executor;

  AuditRoutes(TroupeRuntime runtime, JournalViews views, Executor executor) {
    this.runtime = runtime;
    this.views = views;
    this.executor = executor;
  }

  Route routes(Principal principal) {
    return pathPrefix("audit", () -> {
      if (!principal.mayAny(AUDIT)) {
        return complete(Problems.response(StatusCodes.FORBIDDEN, "audit routes need the auditor or admin role",
            "/v1/audit"));
      }
      return concat(
          path(PathMatchers.segment("tasks").slash(PathMatchers.segment()), taskId -> get(() -> timeline(principal, taskId))),
          path(PathMatchers.segment("tasks").slash(PathMatchers.segment()).slash("verify"),
              taskId -> get(() -> verify(principal, taskId))),
          path(PathMatchers.segment("tasks").slash(PathMatchers.segment()).slash("replay"),
              taskId -> get(() -> replay(principal, taskId))),
          path(PathMatchers.segment("agents").slash(PathMatchers.segment()), agentId -> get(() ->
              parameterOptional("fromSeq", from -> parameterOptional("limit", limit ->
                  agentJournal(principal, agentId, from, limit))))),
          path(PathMatchers.segment("agents").slash(PathMatchers.segment()).slash("verify"),
              agentId -> get(() -> verifyAgent(principal, agentId))),
          path("export", () -> get(() -> parameterOptional("since", since -> parameterOptional("until", until ->
              export(principal, since, until))))),
          path("quarantine", () -> get(() -> quarantine(principal))),
          path("checkpoint", () -> concat(get(() -> checkpoint(principal)), post(() -> writeCheckpoint(principal)))));
    });
  }

  /** Completes with {@code found} if the task exists in the caller's tenant, with a 404 otherwise. */
  private CompletionStage<HttpResponse> ofOwnTask(Principal principal, String taskId,
      java.util.function.Function<String, CompletionStage<HttpResponse>> found) {
    if (!TASK_ID.matcher(taskId).matches()) {
      return CompletableFuture.completedFuture(notFound(taskId));
    }
    String persistenceId = TaskClient.persistenceId(taskId);
    if (runtime.quarantine().contains(persistenceId)) {
      // Its entity cannot start (its journal cannot be read): the journal walk still can.
      return runtime.directory().hasTask(principal.tenant(), taskId) ? found.apply(persistenceId)
          : CompletableFuture.completedFuture(notFound(taskId));
    }
    return runtime.tasks().get(taskId).thenComposeAsync(reply ->
        reply instanceof TaskEntity.Found task && task.task().tenant().equals(principal.tenant())
            ? found.apply(TaskClient.persistenceId(taskId))
            : CompletableFuture.completedFuture(notFound(taskId)), executor);
  }

  private Route timeline(Principal principal, String taskId) {
    return completeWithFuture(ofOwnTask(principal, taskId, persistenceId -> runtime.timeline().of(taskId)
        .thenApply(items -> {
          ObjectNode body = ApiJson.MAPPER.createObjectNode();
          body.put("taskId", taskId);
          var events = body.putArray("events");
          items.forEach(item -> events.add(views.view(item)));
          return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString()));
        })).exceptionally(TaskRoutes::unavailable));
  }

  private Route verify(Principal principal, String taskId) {
    return completeWithFuture(ofOwnTask(principal, taskId, persistenceId -> runtime.audit().verify(persistenceId)
        .thenApply(report -> HttpResponse.create()
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(report)))))
        .exceptionally(TaskRoutes::unavailable));
  }

  /**
   * The task's journal folded again and compared with what was recorded and with what the task
   * serves ({@link dev.troupe.runtime.task.TaskReplay}).
   */
  private Route replay(Principal principal, String taskId) {
    // The live task first, then its journal: what it served is then in the journal read after it.
    return completeWithFuture(ofOwnTask(principal, taskId, persistenceId -> runtime.tasks().get(taskId)
        .thenCompose(reply -> runtime.audit().entries(persistenceId).thenApply(entries -> {
          Optional<dev.troupe.runtime.task.TaskState> served = reply instanceof TaskEntity.Found found
              ? Optional.of(found.task()) : Optional.empty();
          var report = dev.troupe.runtime.task.TaskReplay.check(taskId, entries, served);
          Map<String, Object> body = new java.util.LinkedHashMap<>();
          body.put("taskId", taskId);
          body.put("ok", report.ok());
          body.put("events", report.events());
          body.put("differences", report.differences());
          return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
              ApiJson.write(body)));
        }))).exceptionally(TaskRoutes::unavailable));
  }

  /**
   * Every task event of the caller's tenant stamped within [since, until), one JSON object a line,
   * streamed. A task's tenant is known from its TaskSubmitted, which the journal's order puts first.
   */
  private Route export(Principal principal, Optional<String> since, Optional<String> until) {
    Instant from;
    Instant to;
    try {
      from = since.map(Instant::parse).orElse(Instant.EPOCH);
      to = until.map(Instant::parse).orElse(Instant.MAX);
    } catch (DateTimeParseException e) {
      return complete(Problems.badRequest("since/until: must be ISO-8601 instants such as 2026-11-21T00:00:00Z",
          "/v1/audit/export"));
    }
    Map<String, String> tenants = new HashMap<>();
    var lines = runtime.audit().readJournal().currentEventsByTag(TaskEntity.TAG, Offset.noOffset())
        .filter(envelope -> envelope.event() instanceof JournalEntry)
        .filter(envelope -> {
          JournalEntry entry = (JournalEntry) envelope.event();
          if (entry.event() instanceof TaskEvent.TaskSubmitted submitted) {
            tenants.put(submitted.taskId(), submitted.tenant());
          }
          Instant at = entry.stamp().at();
          return principal.tenant().equals(tenants.get(entry.stamp().taskId()))
              && !at.isBefore(from) && at.isBefore(to);
        })
        // Each agent's calls in a step are read from its journal, and come just before the outcome.
        .mapAsync(1, envelope -> {
          JournalEntry entry = (JournalEntry) envelope.event();
          return runtime.timeline().activityOf(entry.stamp().taskId(), entry).thenApply(activity -> {
            StringBuilder out = new StringBuilder();
            activity.forEach(item -> out.append(views.view(item)).append('\n'));
            ObjectNode line = views.view(envelope.sequenceNr(), entry);
            line.put("persistenceId", envelope.persistenceId());
            return ByteString.fromString(out.append(line).append('\n').toString());
          });
        });
    return complete(HttpResponse.create().withEntity(HttpEntities.createChunked(NDJSON, lines)));
  }

  /**
   * The entities whose journal cannot be read, quarantined on this node: the caller's tenant's
   * tasks (and their effect ledgers), and for the operator everything (agents, workflows).
   */
  /** Checkpoints cover every tenant's entities: the node's own tenant (auditor or admin) reads them. */
  private Optional<Route> notTheOperatorsTenant(Principal principal) {
    return Principal.OPERATOR_TENANT.equals(principal.tenant()) ? Optional.empty()
        : Optional.of(complete(Problems.response(StatusCodes.FORBIDDEN, "checkpoints cover every tenant: only an"
            + " auditor or admin of tenant " + Principal.OPERATOR_TENANT + " may use them", "/v1/audit/checkpoint")));
  }

  private Route checkpoint(Principal principal) {
    return notTheOperatorsTenant(principal).orElseGet(() -> completeWithFuture(runtime.checkpoints().verifyLatest()
        .thenApply(report -> {
          if (report.isEmpty()) {
            return Problems.response(StatusCodes.NOT_FOUND, "no checkpoint has been written yet (the node writes one"
                + " every troupe.audit.checkpoint-every and when it stops; POST writes one now)", "/v1/audit/checkpoint");
          }
          Map<String, Object> body = new java.util.LinkedHashMap<>();
          body.put("ok", report.get().ok());
          body.put("checkpointAt", report.get().checkpointAt() == null ? null : report.get().checkpointAt().toString());
          body.put("entities", report.get().entities());
          body.put("problems", report.get().problems());
          body.put("publicKey", report.get().publicKey());
          return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
              ApiJson.write(body)));
        }).exceptionally(TaskRoutes::unavailable)));
  }

  private Route writeCheckpoint(Principal principal) {
    if (!principal.isOperator()) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "writing a checkpoint needs the admin role in tenant "
          + Principal.OPERATOR_TENANT, "/v1/audit/checkpoint"));
    }
    return completeWithFuture(runtime.checkpoints().write()
        .thenApply(written -> HttpResponse.create().withStatus(StatusCodes.CREATED)
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(Map.of(
                "checkpointAt", written.at().toString(), "entities", written.heads().size())))))
        .exceptionally(error -> {
          Throwable cause = error.getCause() != null ? error.getCause() : error;
          if (cause instanceof dev.troupe.runtime.guard.AuditCheckpointer.CheckpointRefused refused) {
            return Problems.response(StatusCodes.CONFLICT, "not signed: " + refused.getMessage()
                + " (GET /v1/audit/checkpoint lists them)", "/v1/audit/checkpoint");
          }
          return TaskRoutes.unavailable(error);
        }));
  }

  private Route quarantine(Principal principal) {
    List<Map<String, Object>> items = new java.util.ArrayList<>();
    for (var entry : runtime.quarantine().entries()) {
      String id = entry.persistenceId();
      int bar = id.indexOf('|');
      String type = bar < 0 ? id : id.substring(0, bar);
      String entityId = bar < 0 ? "" : id.substring(bar + 1);
      boolean ofTask = type.equals(TaskEntity.ENTITY_TYPE_KEY.name()) || type.equals("Effects");
      boolean visible = ofTask ? runtime.directory().hasTask(principal.tenant(), entityId) : principal.isOperator();
      if (visible) {
        Map<String, Object> item = new java.util.LinkedHashMap<>();
        item.put("persistenceId", id);
        item.put("sequenceNr", entry.sequenceNr());
        item.put("reason", entry.reason());
        item.put("since", entry.since().toString());
        items.add(item);
      }
    }
    return complete(HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
        ApiJson.write(Map.of("items", items)))));
  }

  /** Agents serve every tenant, so their journals are the operator's to read: the node's own tenant. */
  private Optional<Route> notTheOperatorsAgents(Principal principal, String agentId) {
    if (!Principal.OPERATOR_TENANT.equals(principal.tenant())) {
      return Optional.of(complete(Problems.response(StatusCodes.FORBIDDEN, "an agent's journal holds every tenant's"
          + " steps: only an auditor or admin of tenant " + Principal.OPERATOR_TENANT + " may read it",
          "/v1/audit/agents/" + agentId)));
    }
    if (runtime.catalog().instance(agentId).isEmpty()) {
      return Optional.of(complete(Problems.response(StatusCodes.NOT_FOUND, "no agent " + agentId,
          "/v1/audit/agents/" + agentId)));
    }
    return Optional.empty();
  }

  private static final int AGENT_PAGE = 500;

  /** An agent's journal, a page at a time: {@code fromSeq} (1) and {@code limit} (500, at most 5000). */
  private Route agentJournal(Principal principal, String agentId, Optional<String> fromText,
      Optional<String> limitText) {
    String instance = "/v1/audit/agents/" + agentId;
    long from;
    int limit;
    try {
      from = fromText.map(Long::parseLong).orElse(1L);
      limit = limitText.map(Integer::parseInt).orElse(AGENT_PAGE);
    } catch (NumberFormatException e) {
      return complete(Problems.badRequest("fromSeq and limit: must be whole numbers", instance));
    }
    if (from < 1 || limit < 1 || limit > 5_000) {
      return complete(Problems.badRequest("fromSeq: at least 1; limit: 1 to 5000", instance));
    }
    return notTheOperatorsAgents(principal, agentId).orElseGet(() -> completeWithFuture(runtime.audit()
        .entries(dev.troupe.runtime.agent.AgentEntity.ENTITY_TYPE_KEY.name() + "|" + agentId, from, from + limit)
        .thenApply(entries -> {
          ObjectNode body = ApiJson.MAPPER.createObjectNode();
          body.put("agentId", agentId);
          var events = body.putArray("events");
          entries.stream().limit(limit).forEach(stored -> events.add(views.view(stored)));
          if (entries.size() > limit) {
            body.put("nextFromSeq", entries.get(limit).sequenceNr());
          }
          return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString()));
        }).exceptionally(TaskRoutes::unavailable)));
  }

  private Route verifyAgent(Principal principal, String agentId) {
    return notTheOperatorsAgents(principal, agentId).orElseGet(() -> completeWithFuture(runtime.audit()
        .verify(dev.troupe.runtime.agent.AgentEntity.ENTITY_TYPE_KEY.name() + "|" + agentId)
        .thenApply(report -> HttpResponse.create()
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(report))))
        .exceptionally(TaskRoutes::unavailable)));
  }

  private static HttpResponse notFound(String taskId) {
    return Problems.response(StatusCodes.NOT_FOUND, "no task " + taskId, "/v1/audit/tasks/" + taskId);
  }
}
