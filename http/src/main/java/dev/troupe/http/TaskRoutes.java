package dev.troupe.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.config.HttpSettings;
import dev.troupe.config.Role;
import dev.troupe.http.api.GuidanceRequest;
import dev.troupe.http.api.TaskSubmission;
import dev.troupe.http.api.TaskViews;
import dev.troupe.http.auth.Principal;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.admission.TaskIntake;
import dev.troupe.runtime.task.TaskEntity;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskClient;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.persistence.JournalEntry;
import org.apache.pekko.util.ByteString;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /v1/tasks}: submit and read tasks. */
final class TaskRoutes extends AllDirectives {
  private static final String INSTANCE = "/v1/tasks";
  private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");
  private static final Set<Role> SUBMIT = Set.of(Role.SUBMITTER);
  private static final Set<Role> READ = Set.of(Role.SUBMITTER, Role.APPROVER, Role.AUDITOR);
  private static final Set<Role> GUIDE = Set.of(Role.SUBMITTER, Role.APPROVER);

  private final TroupeRuntime runtime;
  private final HttpSettings http;
  private final JsonBody body;
  private final JournalViews views;
  private final Executor executor;

  TaskRoutes(TroupeRuntime runtime, HttpSettings http, JournalViews views, Executor executor) {
    this.runtime = runtime;
    this.http = http;
    this.body = new JsonBody(http);
    this.views = views;
    this.executor = executor;
  }

  Route routes(Principal principal) {
    return pathPrefix("tasks", () -> concat(
        pathEndOrSingleSlash(() -> concat(post(() -> submit(principal)), get(() -> list(principal)))),
        path(PathMatchers.segment(), taskId -> get(() -> read(principal, taskId))),
        path(PathMatchers.segment().slash("cancel"), taskId -> post(() -> cancel(principal, taskId))),
        path(PathMatchers.segment().slash("guidance"), taskId -> post(() -> guidance(principal, taskId))),
        path(PathMatchers.segment().slash("events"), taskId -> get(() -> events(principal, taskId)))));
  }

  private Route submit(Principal principal) {
    if (!principal.mayAny(SUBMIT)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN,
          "submitting tasks needs the submitter or admin role", INSTANCE));
    }
    return extractRequest(request -> {
      if (!request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
        return complete(Problems.response(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
            "send the task as Content-Type: application/json", INSTANCE));
      }
      if (tooLarge(request)) {
        return complete(body.tooLarge(INSTANCE));
      }
      Optional<String> idempotencyKey = request.getHeader("Idempotency-Key").map(h -> h.value());
      if (idempotencyKey.isPresent() && !IDEMPOTENCY_KEY.matcher(idempotencyKey.get()).matches()) {
        return complete(Problems.badRequest(
            "Idempotency-Key: must be 1..200 visible ASCII characters", INSTANCE));
      }
      if (idempotencyKey.isEmpty()) {
        // Under load, say so before reading and validating the body: the answer is the same.
        Optional<String> overloaded = runtime.intake().refusal(principal.tenant());
        if (overloaded.isPresent()) {
          return complete(tooMany(overloaded.get()));
        }
      }
      String traceId = TraceIds.fromHeaderOrNew(request.getHeader("traceparent").map(h -> h.value()));
      return extractStrictEntity(http.requestTimeout(), http.maxBodyBytes(), entity -> {
        JsonNode body;
        try {
          body = ApiJson.read(entity.getData().toArray());
        } catch (ApiJson.InvalidJsonException e) {
          return complete(Problems.badRequest(e.getMessage(), INSTANCE));
        }
        TaskSubmission.Result parsed = TaskSubmission.parse(body, principal.tenant(), runtime.catalog()::offers,
            runtime.catalog().capabilities(), ApiJson.MAPPER);
        if (parsed.problem() != null) {
          return complete(Problems.response(StatusCodes.get(parsed.problem().status()),
              parsed.problem().detail(), INSTANCE));
        }
        String taskId = idempotencyKey.map(key -> derivedTaskId(principal.tenant(), key)).orElseGet(TaskRoutes::newTaskId);
        CompletionStage<Optional<TaskRequest>> taskRequest = parsed.request() != null
            ? CompletableFuture.completedFuture(Optional.of(parsed.request()))
            : runtime.workflows().resolve(principal.tenant(), parsed.workflowName(), parsed.workflowVersion())
                .thenApply(pinned -> pinned.map(parsed.pinned()));
        CompletionStage<HttpResponse> response = taskRequest.thenComposeAsync(found -> found.isEmpty()
            ? CompletableFuture.completedFuture(unknownWorkflow(parsed.workflowName(), parsed.workflowVersion()))
            : runtime.intake().submit(taskId, found.get(), principal.asAuditActor(), traceId,
                    idempotencyKey.isPresent())
                .thenApply(outcome -> outcome instanceof TaskIntake.Answered answered
                    ? submitted(answered.reply())
                    : tooMany(((TaskIntake.Overloaded) outcome).reason())), executor)
            .exceptionally(error -> submissionUnavailable(error, taskId));
        return completeWithFuture(response);
      });
    });
  }

  /** The tenant's tasks, newest first, from the directory (which trails the journal slightly). */
  private Route list(Principal principal) {
    if (!principal.mayAny(READ)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "reading tasks needs a role", INSTANCE));
    }
    return parameterMap(params -> {
      var query = dev.troupe.http.api.ListQuery.parse(params, dev.troupe.runtime.task.TaskStatus.class);
      if (query.problem() != null) {
        return complete(Problems.badRequest(query.problem().detail(), INSTANCE));
      }
      var page = runtime.directory().tasks(principal.tenant(), query.status(), query.limit(), query.cursor());
      return complete(json(StatusCodes.OK, new TaskViews.ListPage<>(
          page.items().stream().map(task -> TaskViews.TaskSummaryView.of(task, runtime.redactor())).toList(),
          page.nextCursor())));
    });
  }

  /** Admission control said no: 429 with Retry-After, and nothing was journaled. */
  private static HttpResponse tooMany(String why) {
    return Problems.response(StatusCodes.TOO_MANY_REQUESTS, why + "; retry later", INSTANCE)
        .addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(RETRY_AFTER_SECONDS));
  }

  private static final long RETRY_AFTER_SECONDS = 2;

  private Route read(Principal principal, String taskId) {
    String instance = INSTANCE + "/" + taskId;
    if (!principal.mayAny(READ)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "reading tasks needs a role", instance));
    }
    if (!TASK_ID.matcher(taskId).matches()) {
      return complete(notFound(taskId));
    }
    CompletionStage<HttpResponse> response = runtime.tasks().get(taskId).handleAsync((reply, error) -> {
      if (error != null) {
        return unavailable(error);
      }
      // Another tenant's task does not exist for this caller: 404, never 403.
      if (reply instanceof TaskEntity.Found found && found.task().tenant().equals(principal.tenant())) {
        return json(StatusCodes.OK, TaskViews.TaskView.of(found.task(), runtime.redactor()));
      }
      return notFound(taskId);
    }, executor);
    return completeWithFuture(response);
  }

  private Route cancel(Principal principal, String taskId) {
    String instance = INSTANCE + "/" + taskId + "/cancel";
    if (!principal.mayAny(SUBMIT)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "cancelling tasks needs the submitter or admin role",
          instance));
    }
    if (!TASK_ID.matcher(taskId).matches()) {
      return complete(notFound(taskId));
    }
    // The tenant check comes first: another tenant's task must not even be cancellable by id.
    CompletionStage<HttpResponse> response = runtime.tasks().get(taskId).thenComposeAsync(reply -> {
      if (!(reply instanceof TaskEntity.Found found) || !found.task().tenant().equals(principal.tenant())) {
        return CompletableFuture.completedFuture(notFound(taskId));
      }
      return runtime.tasks().cancel(taskId, "cancelled by " + principal.keyName(), principal.asAuditActor())
          .thenApply(cancelled -> cancelled instanceof TaskEntity.Cancelled done
              ? json(StatusCodes.OK, TaskViews.TaskView.of(done.task(), runtime.redactor()))
              : Problems.response(StatusCodes.CONFLICT, "task " + taskId + " already finished as "
                  + ((TaskEntity.AlreadyFinished) cancelled).task().status(), instance));
    }, executor).exceptionally(TaskRoutes::unavailable);
    return completeWithFuture(response);
  }

  /**
   * A human's guidance: journaled with who gave it, handed to every later step, and for an
   * ESCALATED task the escalated steps run again with it. 202 because the work it starts is not done.
   */
  private Route guidance(Principal principal, String taskId) {
    String instance = INSTANCE + "/" + taskId + "/guidance";
    if (!principal.mayAny(GUIDE)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN,
          "guiding tasks needs the submitter, approver or admin role", instance));
    }
    if (!TASK_ID.matcher(taskId).matches()) {
      return complete(notFound(taskId));
    }
    return optionalHeaderValueByName("Idempotency-Key", idempotencyKey -> {
      String key = idempotencyKey.orElse(null);
      if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
        return complete(Problems.badRequest("Idempotency-Key: must be 1..200 visible ASCII characters", instance));
      }
      return body.read(instance, "the guidance", json -> {
        GuidanceRequest parsed = GuidanceRequest.parse(json);
        if (parsed.problem() != null) {
          return complete(Problems.badRequest(parsed.problem().detail(), instance));
        }
        // The tenant check comes first: another tenant's task must not even learn that it exists.
        CompletionStage<HttpResponse> response = runtime.tasks().get(taskId).thenComposeAsync(reply -> {
          if (!(reply instanceof TaskEntity.Found found) || !found.task().tenant().equals(principal.tenant())) {
            return CompletableFuture.completedFuture(notFound(taskId));
          }
          return runtime.tasks().giveGuidance(taskId, parsed.text(), principal.asAuditActor(), key)
              .thenApply(given -> {
                if (given instanceof TaskEntity.GuidanceAccepted accepted) {
                  return json(StatusCodes.ACCEPTED, TaskViews.TaskView.of(accepted.task(), runtime.redactor()));
                }
                if (given instanceof TaskEntity.GuidanceRepeated repeated) {
                  return json(StatusCodes.OK, TaskViews.TaskView.of(repeated.task(), runtime.redactor()));
                }
                if (given instanceof TaskEntity.GuidanceConflict) {
                  return Problems.response(StatusCodes.CONFLICT,
                      "Idempotency-Key was already used for other guidance on task " + taskId, instance);
                }
                if (given instanceof TaskEntity.TooMuchGuidance tooMuch) {
                  return Problems.response(StatusCodes.CONFLICT, "task " + taskId + " already has "
                      + tooMuch.limit() + " pieces of guidance, the most a task keeps", instance);
                }
                return Problems.response(StatusCodes.CONFLICT, "task " + taskId + " already finished as "
                    + ((TaskEntity.AlreadyFinished) given).task().status() + "; guidance changes nothing now",
                    instance);
              });
        }, executor).exceptionally(TaskRoutes::unavailable);
        return completeWithFuture(response);
      });
    });
  }

  /**
   * The task's journaled events as Server-Sent Events: history first, then live, each with its
   * sequence number as {@code id} and its type as {@code event}. {@code Last-Event-ID: n} resumes
   * after n. An agent's model and tool calls in a step come just before the step's outcome, with
   * no id of their own (they are in the agent's journal). Idle streams get heartbeat comments; the
   * stream ends after the task's final event.
   */
  private Route events(Principal principal, String taskId) {
    if (!principal.mayAny(READ)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "reading tasks needs a role", INSTANCE));
    }
    if (!TASK_ID.matcher(taskId).matches()) {
      return complete(notFound(taskId));
    }
    return onComplete(runtime.tasks().get(taskId), tried -> {
      if (tried.isFailure()) {
        return complete(unavailable(tried.failed().get())); // 503 with Retry-After, as on every other route
      }
      if (!(tried.get() instanceof TaskEntity.Found found) || !found.task().tenant().equals(principal.tenant())) {
        return complete(notFound(taskId));
      }
      return optionalHeaderValueByName("Last-Event-ID", lastEventId -> {
        long from;
        try {
          long last = lastEventId.map(id -> Long.parseLong(id.strip())).orElse(0L);
          if (last < 0) {
            return complete(Problems.badRequest("Last-Event-ID: must be a sequence number (0 or more)", INSTANCE));
          }
          from = last == Long.MAX_VALUE ? Long.MAX_VALUE : last + 1; // after the last there is nothing
        } catch (NumberFormatException e) {
          return complete(Problems.badRequest("Last-Event-ID: must be a sequence number", INSTANCE));
        }
        var state = found.task();
        boolean nothingMore = state.status().isFinal() && from > state.chainHead().seq();
        // Rendered here rather than by Pekko's SSE marshaller, whose heartbeat is an empty event:
        // idle streams get a real SSE comment, which clients ignore and proxies count as traffic.
        org.apache.pekko.stream.javadsl.Source<ByteString, org.apache.pekko.NotUsed> events = nothingMore
            ? org.apache.pekko.stream.javadsl.Source.empty()
            : runtime.audit().readJournal().eventsByPersistenceId(TaskClient.persistenceId(taskId), from, Long.MAX_VALUE)
                .filter(envelope -> envelope.event() instanceof JournalEntry)
                .takeWhile(envelope -> !isFinal(((JournalEntry) envelope.event()).event()), true)
                // An agent's calls in a step are read from its journal and sent just before the
                // step's outcome, without an id: a client resuming from the last id it saw gets them again.
                .mapAsync(1, envelope -> {
                  JournalEntry entry = (JournalEntry) envelope.event();
                  // An agent's journal that cannot be read must not end the task's stream (each
                  // reconnect would hit it again): the task's own events go on without those calls.
                  return runtime.timeline().activityOf(taskId, entry)
                      .exceptionally(error -> java.util.List.of())
                      .thenApply(activity -> {
                    StringBuilder out = new StringBuilder();
                    activity.forEach(item -> out.append(sse(null, item.eventType(), views.view(item))));
                    out.append(sse(envelope.sequenceNr(), entry.eventType(), views.view(envelope.sequenceNr(), entry)));
                    return ByteString.fromString(out.toString());
                  });
                })
                .keepAlive(http.sseHeartbeat(), () -> HEARTBEAT);
        return complete(HttpResponse.create().withEntity(
            HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events)));
      });
    });
  }

  private static final ByteString HEARTBEAT = ByteString.fromString(": heartbeat\n\n");

  /**
   * One Server-Sent Event. Clients watching progress see what GET shows them: the payload masked
   * (the stamp, with its ids and hashes, as it is).
   */
  private String sse(Long id, String type, com.fasterxml.jackson.databind.node.ObjectNode view) {
    view.set("event", runtime.redactor().redact(view.get("event")).json());
    return (id == null ? "" : "id: " + id + "\n") + "event: " + type + "\ndata: " + view + "\n\n";
  }

  private static boolean isFinal(dev.troupe.persistence.DomainEvent event) {
    return event instanceof TaskEvent.TaskCompleted || event instanceof TaskEvent.TaskFailed
        || event instanceof TaskEvent.TaskCancelled;
  }

  private static HttpResponse submitted(TaskEntity.SubmitReply reply) {
    if (reply instanceof TaskEntity.Accepted accepted) {
      String status = accepted.created() ? "ACCEPTED" : accepted.status().name();
      var body = new TaskViews.Submitted(accepted.taskId(), status, accepted.traceId(),
          TaskViews.Links.of(accepted.taskId()));
      return json(accepted.created() ? StatusCodes.ACCEPTED : StatusCodes.OK, body)
          .addHeader(org.apache.pekko.http.javadsl.model.headers.Location.create("/v1/tasks/" + accepted.taskId()));
    }
    if (reply instanceof TaskEntity.IdempotencyConflict conflict) {
      return Problems.response(StatusCodes.CONFLICT,
          "Idempotency-Key was already used for task " + conflict.taskId() + " with a different request", INSTANCE);
    }
    TaskEntity.Refused refused = (TaskEntity.Refused) reply;
    return Problems.response(StatusCodes.UNPROCESSABLE_CONTENT, refused.reason(), INSTANCE);
  }

  static HttpResponse unavailable(Throwable error) {
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    String detail = cause instanceof TimeoutException
        ? "the runtime did not answer in time; if this was a submission, retry with the same Idempotency-Key"
        : "the runtime cannot take this request now";
    return Problems.response(StatusCodes.SERVICE_UNAVAILABLE, detail, INSTANCE)
        .addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(1L));
  }

  /**
   * A submission the runtime did not confirm in time may still have been journaled: the answer
   * names the task it was writing, so a client without an Idempotency-Key can look it up instead
   * of submitting a duplicate.
   */
  static HttpResponse submissionUnavailable(Throwable error, String taskId) {
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    String detail = (cause instanceof TimeoutException ? "the runtime did not confirm the task in time"
        : "the runtime cannot take this request now") + "; it may have been journaled as " + taskId
        + ": GET /v1/tasks/" + taskId + " says whether it was (or retry with the same Idempotency-Key)";
    return Problems.response(StatusCodes.SERVICE_UNAVAILABLE, detail, INSTANCE, taskId)
        .addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(1L));
  }

  private static HttpResponse unknownWorkflow(String name, Integer version) {
    return Problems.response(StatusCodes.UNPROCESSABLE_CONTENT, "workflow: unknown workflow '" + name + "'"
        + (version == null ? "" : " or it has no version " + version), INSTANCE);
  }

  /** A declared length over the limit is refused before reading; a chunked body over it fails the strict read. */
  private boolean tooLarge(org.apache.pekko.http.javadsl.model.HttpRequest request) {
    var declaredLength = request.entity().getContentLengthOption();
    return declaredLength.isPresent() && declaredLength.getAsLong() > http.maxBodyBytes();
  }


  private static HttpResponse notFound(String taskId) {
    return Problems.response(StatusCodes.NOT_FOUND, "no task " + taskId, INSTANCE + "/" + taskId);
  }

  private static HttpResponse json(StatusCode status, Object body) {
    return JsonBody.json(status, body);
  }

  /** The same tenant and key always name the same task: idempotency survives restarts. */
  static String derivedTaskId(String tenant, String idempotencyKey) {
    byte[] digest = CanonicalJson.sha256().digest((tenant + "\u0000" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
    return "tsk_" + HexFormat.of().formatHex(digest, 0, 16);
  }

  static String newTaskId() {
    return "tsk_" + TraceIds.newTraceId();
  }
}
