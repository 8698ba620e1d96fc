package dev.troupe.http;

import dev.troupe.config.HttpSettings;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.http.auth.Principal;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import dev.troupe.persistence.JournalAudit;
import dev.troupe.runtime.TroupeRuntime;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The whole API: health without a key, everything under {@code /v1} with one; errors as problem+json. */
public final class ApiRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
  private static final String BEARER = "Bearer ";

  private final NodeState node;
  private final ApiKeys keys;
  private final HttpSettings http;
  private final RequestRate rate;
  private final Executor executor;
  private final ConsoleRoutes console = new ConsoleRoutes();

  public ApiRoutes(NodeState node, ApiKeys keys, HttpSettings http, Executor executor) {
    this.node = node;
    this.keys = keys;
    this.http = http;
    this.rate = new RequestRate(http.admission().requestsPerSecondPerKey());
    this.executor = executor;
  }

  public Route routes() {
    return handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> concat(
        new HealthRoutes(node).routes(),
        console.routes(),
        path("metrics", () -> get(this::metrics)),
        path("openapi.json", () -> get(() -> getFromResource("openapi.json",
            org.apache.pekko.http.javadsl.model.ContentTypes.APPLICATION_JSON))),
        // Ready first: keys created over the API are known only once the node is ready.
        pathPrefix("v1", () -> runtimeReady(runtime -> authenticated(principal -> {
          V1Routes built = v1For(runtime);
          return concat(built.tasks().routes(principal), built.approvals().routes(principal),
              built.keys().routes(principal), built.events().routes(principal),
              built.workflows().routes(principal),
              built.audit().routes(principal), built.agents().routes());
        }))))));
  }

  /** The route classes of one runtime, built once rather than per request. */
  private record V1Routes(TroupeRuntime runtime, TaskRoutes tasks, ApprovalRoutes approvals, KeyRoutes keys,
      EventRoutes events,
      WorkflowRoutes workflows, AuditRoutes audit, AgentRoutes agents) {}

  private final AtomicReference<V1Routes> v1 = new AtomicReference<>();

  private V1Routes v1For(TroupeRuntime runtime) {
    V1Routes current = v1.get();
    if (current == null || current.runtime() != runtime) {
      JournalViews views = new JournalViews(JournalAudit.journalMapper(runtime.audit().system()));
      current = new V1Routes(runtime, new TaskRoutes(runtime, http, views, executor),
          new ApprovalRoutes(runtime, http, executor), new KeyRoutes(runtime, keys, http, executor),
          new EventRoutes(runtime, http, executor),
          new WorkflowRoutes(runtime, http, executor), new AuditRoutes(runtime, views, executor),
          new AgentRoutes(runtime, http.requestTimeout(), executor));
      v1.set(current);
    }
    return current;
  }

  /** Prometheus text, counted from the journal; behind a key only if so configured. */
  private Route metrics() {
    Function<TroupeRuntime, Route> scrape = runtime -> complete(HttpResponse.create().withEntity(
        org.apache.pekko.http.javadsl.model.HttpEntities.create(METRICS_TYPE, runtime.metrics().scrape())));
    if (!http.metricsRequireKey()) {
      return runtimeReady(scrape);
    }
    return authenticated(principal -> principal.mayAny(java.util.Set.of(dev.troupe.config.Role.AUDITOR))
        ? runtimeReady(scrape)
        : complete(Problems.response(StatusCodes.FORBIDDEN, "metrics need the auditor or admin role", "/metrics")));
  }

  private static final org.apache.pekko.http.javadsl.model.ContentType METRICS_TYPE =
      org.apache.pekko.http.javadsl.model.ContentTypes.parse(dev.troupe.runtime.metrics.TaskMetrics.CONTENT_TYPE);

  private Route authenticated(Function<Principal, Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> {
      Optional<Principal> principal = header
          .filter(value -> value.regionMatches(true, 0, BEARER, 0, BEARER.length()))
          .map(value -> value.substring(BEARER.length()).strip())
          .flatMap(keys::authenticate);
      if (principal.isEmpty()) {
        // The same answer for a missing, malformed or unknown key: nothing about which keys exist.
        return complete(Problems.response(StatusCodes.UNAUTHORIZED,
                "send a valid API key as 'Authorization: Bearer <key>'", null)
            .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "troupe"))));
      }
      if (!rate.allows(principal.get().tenant(), principal.get().keyName())) {
        return complete(Problems.response(StatusCodes.TOO_MANY_REQUESTS, "this key made more than "
                + http.admission().requestsPerSecondPerKey() + " requests in the last second "
                + "(troupe.http.admission.requests-per-second-per-key); retry after Retry-After", null)
            .addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(1L)));
      }
      return inner.apply(principal.get());
    });
  }

  private Route runtimeReady(Function<dev.troupe.runtime.TroupeRuntime, Route> inner) {
    return node.runtime().filter(r -> node.serving())
        .<Route>map(runtime -> extractMethod(method -> {
          // While the journal cannot write (a full disk), a write fails at once instead of waiting
          // for its timeout; reads go on.
          var failure = runtime.journalHealth().failure();
          if (failure.isPresent() && !method.equals(org.apache.pekko.http.javadsl.model.HttpMethods.GET)) {
            return complete(Problems.response(StatusCodes.SERVICE_UNAVAILABLE, failure.get()
                    + "; nothing was journaled, retry later", null)
                .addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(5L)));
          }
          return inner.apply(runtime);
        }))
        .orElseGet(() -> complete(Problems.response(StatusCodes.SERVICE_UNAVAILABLE,
                "the node is starting or stopping; retry shortly", null)
            .addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(1L))));
  }

  private static RejectionHandler rejections() {
    // Pekko's default handler decides the status (404, 405, 400, ...); we only reshape the body.
    return RejectionHandler.defaultHandler().mapRejectionResponse(ApiRoutes::asProblem);
  }

  private static HttpResponse asProblem(HttpResponse response) {
    if (response.entity().getContentType().mediaType().equals(Problems.PROBLEM_JSON.mediaType())) {
      return response;
    }
    String detail = response.entity() instanceof HttpEntity.Strict strict ? strict.getData().utf8String() : null;
    HttpResponse problem = Problems.response(response.status(), detail, null);
    return problem.withHeaders(response.getHeaders()).withEntity(problem.entity());
  }

  private HttpResponse tooLarge() {
    return Problems.response(StatusCodes.CONTENT_TOO_LARGE,
        "the body is larger than the limit of " + http.maxBodyBytes() + " bytes", null);
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .match(EntityStreamSizeException.class, e -> complete(tooLarge()))
        // Pekko's own verdict on a request (e.g. a body over the limit): keep its 4xx status.
        .match(IllegalRequestException.class, e -> complete(e.getCause() instanceof EntityStreamSizeException
            ? tooLarge()
            : Problems.response(e.status(), e.info().summary(), null)))
        .matchAny(e -> {
          log.error("Unhandled error in a request", e);
          return complete(Problems.response(StatusCodes.INTERNAL_SERVER_ERROR, "internal error", null));
        })
        .build();
  }
}
