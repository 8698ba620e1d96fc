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
import dev.troupe.runtime.workflow.WorkflowKey;
import dev.troupe.runtime.workflow.WorkflowState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * {@code /v1/workflows}: a tenant reads its own workflows and the shared (built-in) ones; its
 * admins register and roll back its own. The shared ones are read-only to tenants: only the
 * operator (an admin of tenant {@code default}) changes them, or adds one with
 * {@code ?scope=shared}. Another tenant's workflow does not exist for the caller (404).
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

  /** One workflow's versions, as the API shows them; {@code shared} when it is built in for every tenant. */
  record WorkflowView(String name, boolean shared, int current, List<Version> versions) {
    record Version(int version, WorkflowDefinition definition) {}

    static WorkflowView of(WorkflowKey key, WorkflowState state) {
      List<Version> versions = new ArrayList<>();
      for (int i = 0; i < state.versions().size(); i++) {
        versions.add(new Version(i + 1, state.versions().get(i)));
      }
      return new WorkflowView(key.name(), key.isShared(), state.current(), versions);
    }
  }

  Route routes(Principal principal) {
    return pathPrefix("workflows", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> list(principal))),
        pathPrefix(PathMatchers.segment(), name -> concat(
            pathEnd(() -> concat(
                get(() -> read(principal, name)),
                put(() -> parameterOptional("scope", scope -> register(principal, name, scope))))),
            path("rollback", () -> post(() -> rollback(principal, name)))))));
  }

  private Route list(Principal principal) {
    CompletionStage<HttpResponse> response = runtime.workflows().keysVisibleTo(principal.tenant())
        .thenComposeAsync(keys -> {
          List<CompletableFuture<WorkflowView>> views = keys.stream()
              .map(key -> runtime.workflows().get(key)
                  .thenApply(state -> state.exists() ? WorkflowView.of(key, state) : null).toCompletableFuture())
              .toList();
          return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).thenApply(done ->
              json(StatusCodes.OK, Map.of("items", views.stream().map(CompletableFuture::join)
                  .filter(java.util.Objects::nonNull).toList())));
        }, executor)
        .exceptionally(TaskRoutes::unavailable);
    return completeWithFuture(response);
  }

  private Route read(Principal principal, String name) {
    if (!NAME.matcher(name).matches()) {
      return complete(notFound(name));
    }
    return completeWithFuture(runtime.workflows().find(principal.tenant(), name)
        .thenApplyAsync(found -> found
            .map(visible -> json(StatusCodes.OK, WorkflowView.of(visible.key(), visible.state())))
            .orElseGet(() -> notFound(name)), executor)
        .exceptionally(TaskRoutes::unavailable));
  }

  private Route register(Principal principal, String name, Optional<String> scope) {
    String instance = "/v1/workflows/" + name;
    if (!principal.roles().contains(Role.ADMIN)) {
      return complete(Problems.response(StatusCodes.FORBIDDEN, "registering workflows needs the admin role", instance));
    }
    if (scope.isPresent() && !scope.get().equals("shared")) {
      return complete(Problems.badRequest("scope: must be 'shared' or absent, was '" + scope.get() + "'", instance));
    }
    if (scope.isPresent() && !principal.isOperator()) {
      return complete(Problems.response(StatusCodes.FORBIDDEN,
          "only an admin of the default tenant (the operator) registers shared workflows", instance));
    }
    return body(name, body -> {
      if (body.isObject() && !body.has("name")) {
        ((ObjectNode) body).put("name", name);
      }
      WorkflowDefinition definition;
      try {
        definition = ApiJson.MAPPER.treeToValue(body, WorkflowDefinition.class);
      } catch (MismatchedInputException e) {
        return complete(Problems.badRequest(path(e) + ": " + e.getOriginalMessage(), instance));
      } catch (Exception e) {
        return complete(Problems.badRequest("the body is not a workflow definition: " + e.getMessage(), instance));
      }
      if (!name.equals(definition.name())) {
        return complete(Problems.badRequest("name: must match the path ('" + name + "'), was '" + definition.name()
            + "'", instance));
      }
      // Whether the caller may write here comes first: a refused caller learns nothing of the definition.
      CompletionStage<HttpResponse> response = writable(principal, name, scope.isPresent(), instance)
          .thenCompose(target -> target.key() == null
              ? CompletableFuture.completedFuture(target.refusal())
              : runtime.workflows().register(target.key(), definition, principal.asAuditActor())
                  .thenApplyAsync(registered -> json(registered.created() ? StatusCodes.CREATED : StatusCodes.OK,
                      Map.of("name", registered.name(), "version", registered.version(), "created",
                          registered.created(), "shared", target.key().isShared())), executor))
          .exceptionally(error -> error.getCause() instanceof WorkflowClient.InvalidWorkflowException invalid
              ? Problems.badRequest(invalid.getMessage(), instance)
              : TaskRoutes.unavailable(error));
      return completeWithFuture(response);
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
      CompletionStage<HttpResponse> response = runtime.workflows().find(principal.tenant(), name)
          .thenCompose(found -> {
            if (found.isEmpty()) {
              return CompletableFuture.completedFuture(notFound(name));
            }
            WorkflowKey key = found.get().key();
            if (key.isShared() && !principal.isOperator()) {
              return CompletableFuture.completedFuture(readOnly(name, instance));
            }
            return runtime.workflows().rollback(key, to.asInt(), principal.asAuditActor())
                .thenApplyAsync(reply -> {
                  if (reply instanceof WorkflowEntity.RolledBack rolled) {
                    return json(StatusCodes.OK, WorkflowView.of(key, rolled.workflow()));
                  }
                  WorkflowEntity.NoSuchVersion none = (WorkflowEntity.NoSuchVersion) reply;
                  return Problems.response(StatusCodes.UNPROCESSABLE_CONTENT, "toVersion: workflow " + name
                      + " has versions 1.." + none.versions() + ", not " + none.version(), instance);
                }, executor);
          })
          .exceptionally(error -> error.getCause() instanceof WorkflowClient.InvalidWorkflowException invalid
              ? Problems.response(StatusCodes.UNPROCESSABLE_CONTENT, invalid.getMessage(), instance)
              : TaskRoutes.unavailable(error));
      return completeWithFuture(response);
    });
  }

  /** Where a registration by {@code principal} goes, or why it may not happen. */
  private record Target(WorkflowKey key, HttpResponse refusal) {}

  /**
   * A tenant's admin registers into its own tenant. A name the tenant sees as a shared workflow is
   * the operator's: another admin may not take it, not even as its own (the built-in's name would
   * then run something else for that tenant's clients, and its own workflows that name it).
   */
  private CompletionStage<Target> writable(Principal principal, String name, boolean asShared, String instance) {
    if (asShared) {
      return runtime.workflows().find(null, name).thenCompose(shared -> shared.isPresent()
          ? CompletableFuture.completedFuture(new Target(WorkflowKey.shared(name), null))
          : runtime.workflows().keys().thenApply(keys -> keys.stream()
              .filter(key -> key.name().equals(name)).findFirst()
              .map(owned -> new Target(null, Problems.response(StatusCodes.CONFLICT, "tenant " + owned.tenant()
                  + " has a workflow named " + name + "; a shared one of that name would not run for it", instance)))
              .orElse(new Target(WorkflowKey.shared(name), null))));
    }
    return runtime.workflows().find(principal.tenant(), name).thenApply(found -> {
      if (found.isPresent() && found.get().key().isShared()) {
        return principal.isOperator() ? new Target(found.get().key(), null) : new Target(null, readOnly(name, instance));
      }
      return new Target(WorkflowKey.ofTenant(principal.tenant(), name), null);
    });
  }

  private static HttpResponse readOnly(String name, String instance) {
    return Problems.response(StatusCodes.FORBIDDEN, "workflow " + name + " is built in: shared by every tenant and "
        + "changed only by the operator (an admin of the default tenant); register yours under another name", instance);
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
