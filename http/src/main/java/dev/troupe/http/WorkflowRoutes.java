package dev.troupe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.config.HttpSettings;
import dev.troupe.config.Role;
import dev.troupe.http.auth.Principal;
import dev.troupe.runtime.TroupeRuntime;
import dev.troupe.runtime.workflow.WorkflowClient;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.runtime.workflow.WorkflowEntity;
import dev.troupe.runtime.workflow.WorkflowState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/workflows}: read any workflow's versions; admins register new versions (PUT) and roll
 * back. Workflows are shared by all tenants.
 */
final class WorkflowRoutes extends AllDirectives {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

  private final TroupeRuntime runtime;
  private final HttpSettings http;
  private final Executor executor;

  WorkflowRoutes(TroupeRuntime runtime, HttpSettings http, Executor executor) {
    this.runtime = runtime;
    this.http = http;
    this.executor = executor;
  }

  /** One workflow's versions, as the API shows them. */
  record WorkflowView(String name, int current, List<Version> versions) {
    record Version(int version, WorkflowDefinition definition) {}

    static WorkflowView of(WorkflowState state) {
      List<Version> versions = new ArrayList<>();
      for (int i = 0; i < state.versions().size(); i++) {
        versions.add(new Version(i + 1, state.versions().get(i)));
      }
      return new WorkflowView(state.name(), state.current(), versions);
    }
  }

  Route routes(Principal principal) {
    return pathPrefix("workflows", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> list())),
        pathPrefix(PathMatchers.segment(), name -> concat(
            pathEnd(() -> concat(
                get(() -> read(name)),
                put(() -> register(principal, name)))),
            path("rollback", () -> post(() -> rollback(principal, name)))))));
  }

  private Route list() {
    CompletionStage<HttpResponse> response = runtime.workflows().names()
        .thenComposeAsync(names -> {
          List<CompletableFuture<WorkflowState>> states = names.stream()
              .map(name -> runtime.workflows().get(name).toCompletableFuture()).toList();
          return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(done ->
              json(StatusCodes.OK, Map.of("items", states.stream().map(CompletableFuture::join)
                  .filter(WorkflowState::exists).map(WorkflowView::of).toList())));
        }, executor)
        .exceptionally(TaskRoutes::unavailable);
    return completeWithFuture(response);
  }

  private Route read(String name) {
    if (!NAME.matcher(name).matches()) {
      return complete(notFound(name));
    }
    return completeWithFuture(runtime.workflows().get(name)
        .thenApplyAsync(state -> state.exists() ? json(StatusCodes.OK, WorkflowView.of(state)) : notFound(name),
            executor)
        .exceptionally(TaskRoutes::unavailable));
  }

  private Route register(Principal principal, String name) {
    if (!principal.roles().contains(Role.ADMIN)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "registering workflows needs the admin role",
          "/v1/workflows/" + name));
    }
    return body(name, body -> {
      if (body.isObject() && !body.has("name")) {
        ((ObjectNode) body).put("name", name);
      }
      WorkflowDefinition definition;
      try {
        definition = ApiJson.MAPPER.treeToValue(body, WorkflowDefinition.class);
      } catch (MismatchedInputException e) {
        return complete(Problems.badRequest(path(e) + ": " + e.getOriginalMessage(), "/v1/workflows/" + name));
      } catch (Exception e) {
        return complete(Problems.badRequest("the body is not a workflow definition: " + e.getMessage(),
            "/v1/workflows/" + name));
      }
      if (!name.equals(definition.name())) {
        return complete(Problems.badRequest("name: must match the path ('" + name + "'), was '" + definition.name()
            + "'", "/v1/workflows/" + name));
      }
      // register validates: an invalid definition comes back as InvalidWorkflowException, a 400.
      return completeWithFuture(runtime.workflows().register(definition, principal.asAuditActor())
          .thenApplyAsync(registered -> json(registered.created() ? StatusCodes.CREATED : StatusCodes.OK,
              Map.of("name", registered.name(), "version", registered.version(), "created", registered.created())),
              executor)
          .exceptionally(error -> error.getCause() instanceof WorkflowClient.InvalidWorkflowException invalid
              ? Problems.badRequest(invalid.getMessage(), "/v1/workflows/" + name)
              : TaskRoutes.unavailable(error)));
    });
  }

  private Route rollback(Principal principal, String name) {
    String instance = "/v1/workflows/" + name + "/rollback";
    if (!principal.roles().contains(Role.ADMIN)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "rolling back workflows needs the admin role", instance));
    }
    return body(name, body -> {
      JsonNode to = body.get("toVersion");
      if (!body.isObject() || to == null || !to.canConvertToInt() || !to.isIntegralNumber() || to.asInt() < 1) {
        return complete(Problems.badRequest("toVersion: must be a version number (1, 2, ...)", instance));
      }
      return completeWithFuture(runtime.workflows().rollback(name, to.asInt(), principal.asAuditActor())
          .thenApplyAsync(reply -> {
            if (reply instanceof WorkflowEntity.RolledBack rolled) {
              return json(StatusCodes.OK, WorkflowView.of(rolled.workflow()));
            }
            WorkflowEntity.NoSuchVersion none = (WorkflowEntity.NoSuchVersion) reply;
            return none.versions() == 0 ? notFound(name) : Problems.response(StatusCodes.UNPROCESSABLE_CONTENT,
                "toVersion: workflow " + name + " has versions 1.." + none.versions() + ", not " + none.version(),
                instance);
          }, executor)
          .exceptionally(error -> error.getCause() instanceof WorkflowClient.InvalidWorkflowException invalid
              ? Problems.response(StatusCodes.UNPROCESSABLE_CONTENT, invalid.getMessage(), instance)
              : TaskRoutes.unavailable(error)));
    });
  }

  private Route body(String name, java.util.function.Function<JsonNode, Route> inner) {
    if (!NAME.matcher(name).matches()) {
      return complete(Problems.badRequest("name: must be 1..63 of a-z 0-9 - starting with a letter",
          "/v1/workflows/" + name));
    }
    return new JsonBody(http).read("/v1/workflows/" + name, "JSON", inner);
  }

  private static String path(MismatchedInputException e) {
    StringBuilder out = new StringBuilder();
    for (var reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        out.append(out.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else {
        out.append("[").append(reference.getIndex()).append("]");
      }
    }
    return out.length() == 0 ? "$" : out.toString();
  }

  private static HttpResponse notFound(String name) {
    return Problems.response(StatusCodes.NOT_FOUND, "no workflow " + name, "/v1/workflows/" + name);
  }

  private static HttpResponse json(StatusCode status, Object body) {
    return JsonBody.json(status, body);
  }
}
