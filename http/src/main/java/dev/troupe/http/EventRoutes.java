package dev.troupe.http;

import dev.troupe.config.HttpSettings;
import dev.troupe.config.Role;
import dev.troupe.http.api.EventRequest;
import dev.troupe.http.auth.Principal;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.workflow.ExternalEvents;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/events}: an event from outside (a payment arrived, a ticket opened) starts the
 * workflows whose trigger is {@code ExternalEvent} of its type, in the caller's tenant. Its tasks
 * are journaled before the 202; with an Idempotency-Key, posting it again starts nothing new.
 */
final class EventRoutes extends AllDirectives {
  private static final String INSTANCE = "/v1/events";
  private static final Set<Role> POST = Set.of(Role.SUBMITTER);

  /** One task the event started. */
  record StartedTask(String workflow, String taskId, String status) {}

  record Posted(String eventId, String type, List<StartedTask> tasks) {}

  private final TroupeRuntime runtime;
  private final JsonBody body;
  private final Executor executor;

  EventRoutes(TroupeRuntime runtime, HttpSettings http, Executor executor) {
    this.runtime = runtime;
    this.body = new JsonBody(http);
    this.executor = executor;
  }

  Route routes(Principal principal) {
    return path("events", () -> post(() -> {
      if (!principal.mayAny(POST)) {
        return complete(Problems.response(StatusCodes.FORBIDDEN, "posting events needs the submitter or admin role",
            INSTANCE));
      }
      return extractRequest(request -> {
        Optional<String> key = request.getHeader("Idempotency-Key").map(h -> h.value());
        if (key.isPresent() && !TaskRoutes.IDEMPOTENCY_KEY.matcher(key.get()).matches()) {
          return complete(Problems.badRequest("Idempotency-Key: must be 1..200 visible ASCII characters", INSTANCE));
        }
        String traceId = TraceIds.fromHeaderOrNew(request.getHeader("traceparent").map(h -> h.value()));
        return body.read(INSTANCE, "the event", json -> {
          EventRequest parsed = EventRequest.parse(json);
          if (parsed.problem() != null) {
            return complete(Problems.badRequest(parsed.problem().detail(), INSTANCE));
          }
          // The tasks an event starts are admitted like any other: a loaded node or tenant takes none.
          var overloaded = runtime.intake().refusal(principal.tenant());
          if (overloaded.isPresent()) {
            return complete(Problems.response(StatusCodes.TOO_MANY_REQUESTS, overloaded.get() + "; retry later",
                INSTANCE).addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(2L)));
          }
          String eventId = key.map(k -> eventId(principal.tenant(), k)).orElseGet(() -> "evt_" + TraceIds.newTraceId());
          CompletionStage<HttpResponse> response = runtime.events()
              .post(principal.tenant(), parsed.type(), eventId, parsed.data(), principal.asAuditActor(), traceId)
              .thenApplyAsync(started -> posted(eventId, parsed.type(), started), executor)
              .exceptionally(TaskRoutes::unavailable);
          return completeWithFuture(response);
        });
      });
    }));
  }

  private static HttpResponse posted(String eventId, String type, List<ExternalEvents.Started> started) {
    if (started.isEmpty()) {
      return Problems.response(StatusCodes.UNPROCESSABLE_CONTENT, "type: no workflow is triggered by events of type '"
          + type + "' (a trigger with on = ExternalEvent and event = " + type + ")", INSTANCE);
    }
    if (started.stream().anyMatch(s -> s.reply() instanceof TaskEntity.IdempotencyConflict)) {
      return Problems.response(StatusCodes.CONFLICT,
          "Idempotency-Key was already used for an event of type " + type + " with other data", INSTANCE);
    }
    boolean repeat = started.stream().allMatch(s -> s.reply() instanceof TaskEntity.Accepted a && !a.created());
    List<StartedTask> tasks = started.stream().map(s -> new StartedTask(s.workflow(), s.taskId(),
        s.reply() instanceof TaskEntity.Accepted a ? (a.created() ? "ACCEPTED" : a.status().name()) : "REFUSED"))
        .toList();
    return JsonBody.json(repeat ? StatusCodes.OK : StatusCodes.ACCEPTED, new Posted(eventId, type, tasks));
  }

  /** The same tenant and key always name the same event, so its tasks are started once. */
  private static String eventId(String tenant, String idempotencyKey) {
    byte[] digest = CanonicalJson.sha256().digest(("event\u0000" + tenant + "\u0000" + idempotencyKey)
        .getBytes(StandardCharsets.UTF_8));
    return "evt_" + HexFormat.of().formatHex(digest, 0, 16);
  }
}
