package dev.troupe.http;

import dev.troupe.config.HttpSettings;
import dev.troupe.config.Role;
import dev.troupe.http.api.KeyRequest;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.http.auth.KeyRing;
import dev.troupe.http.auth.Principal;
import dev.troupe.runtime.TroupeRuntime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/keys} (admin): create a key (shown once, stored as its hash), list and revoke. An
 * admin manages its own tenant's keys; an admin of the {@code default} tenant, the operator's,
 * may name another tenant.
 */
final class KeyRoutes extends AllDirectives {
  private static final String INSTANCE = "/v1/keys";
  private static final String OPERATOR_TENANT = Principal.OPERATOR_TENANT;
  /** A tenant as a query parameter names it; anything else is no tenant (an empty one was asked of sharding). */
  private static final java.util.regex.Pattern TENANT = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A key as an admin may see it: never the key, never its hash. */
  record KeyView(String name, String tenant, List<String> roles, Instant createdAt, String createdBy) {
    static KeyView of(KeyRing.KeyInfo key) {
      return new KeyView(key.name(), key.tenant(), key.roles(), key.createdAt(), key.createdBy());
    }
  }

  /** The one response that carries the key. */
  record CreatedKey(String key, String name, String tenant, List<String> roles, Instant createdAt,
      String createdBy) {}

  private final TroupeRuntime runtime;
  private final ApiKeys keys;
  private final HttpSettings http;
  private final Executor executor;

  KeyRoutes(TroupeRuntime runtime, ApiKeys keys, HttpSettings http, Executor executor) {
    this.runtime = runtime;
    this.keys = keys;
    this.http = http;
    this.executor = executor;
  }

  Route routes(Principal principal) {
    return pathPrefix("keys", () -> {
      if (!principal.mayAny(Set.of(Role.ADMIN))) {
        return complete(Problems.response(StatusCodes.FORBIDDEN, "managing keys needs the admin role", INSTANCE));
      }
      return concat(
          pathEndOrSingleSlash(() -> concat(post(() -> create(principal)),
              get(() -> parameterOptional("tenant", tenant -> list(principal, tenant))))),
          path(PathMatchers.segment(), name -> delete(() -> parameterOptional("tenant", tenant ->
              revoke(principal, name, tenant)))));
    });
  }

  private Route create(Principal principal) {
    return new JsonBody(http).read(INSTANCE, "the key request", json -> {
      KeyRequest parsed = KeyRequest.parse(json, principal.tenant());
      if (parsed.problem() != null) {
        return complete(Problems.badRequest(parsed.problem().detail(), INSTANCE));
      }
      Optional<HttpResponse> notAllowed = tenantProblem(principal, parsed.tenant());
      if (notAllowed.isPresent()) {
        return complete(notAllowed.get());
      }
      if (keys.isConfigured(parsed.tenant(), parsed.name())) {
        return complete(Problems.response(StatusCodes.CONFLICT, "a configured key of tenant " + parsed.tenant()
            + " is already named " + parsed.name(), INSTANCE));
      }
      byte[] secret = new byte[32];
      RANDOM.nextBytes(secret);
      String key = "trp_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
      String hash = ApiKeys.sha256Hex(key);
      CompletionStage<HttpResponse> response = ring(parsed.tenant())
          .<KeyRing.Reply>ask(replyTo -> new KeyRing.Create(parsed.name(), hash, parsed.roles(),
              principal.asAuditActor(), replyTo), http.requestTimeout())
          .thenApplyAsync(reply -> {
            if (reply instanceof KeyRing.Done done) {
              // Usable at once here; other nodes learn it from the journal.
              keys.register(hash, principalOf(done.key()));
              KeyRing.KeyInfo made = done.key();
              return json(StatusCodes.CREATED, new CreatedKey(key, made.name(), made.tenant(), made.roles(),
                  made.createdAt(), made.createdBy()))
                  .addHeader(org.apache.pekko.http.javadsl.model.headers.RawHeader.create("Cache-Control", "no-store"));
            }
            return Problems.response(StatusCodes.CONFLICT, "tenant " + parsed.tenant()
                + " already has a key named " + parsed.name(), INSTANCE);
          }, executor)
          .exceptionally(TaskRoutes::unavailable);
      return completeWithFuture(response);
      });
  }

  private Route list(Principal principal, Optional<String> tenantParam) {
    if (tenantParam.isPresent() && !TENANT.matcher(tenantParam.get()).matches()) {
      return complete(Problems.badRequest("tenant: 1..64 of A-Z a-z 0-9 . _ -", INSTANCE));
    }
    String tenant = tenantParam.orElse(principal.tenant());
    Optional<HttpResponse> notAllowed = tenantProblem(principal, tenant);
    if (notAllowed.isPresent()) {
      return complete(notAllowed.get());
    }
    return completeWithFuture(ring(tenant)
        .<KeyRing.Reply>ask(KeyRing.ListKeys::new, http.requestTimeout())
        .thenApplyAsync(reply -> json(StatusCodes.OK, Map.of("items", ((KeyRing.Keys) reply).keys().stream()
            .map(KeyView::of).collect(Collectors.toList()))), executor)
        .exceptionally(TaskRoutes::unavailable));
  }

  private Route revoke(Principal principal, String name, Optional<String> tenantParam) {
    String instance = INSTANCE + "/" + name;
    if (tenantParam.isPresent() && !TENANT.matcher(tenantParam.get()).matches()) {
      return complete(Problems.badRequest("tenant: 1..64 of A-Z a-z 0-9 . _ -", instance));
    }
    String tenant = tenantParam.orElse(principal.tenant());
    Optional<HttpResponse> notAllowed = tenantProblem(principal, tenant);
    if (notAllowed.isPresent()) {
      return complete(notAllowed.get());
    }
    CompletionStage<HttpResponse> response = ring(tenant)
        .<KeyRing.Reply>ask(replyTo -> new KeyRing.Revoke(name, principal.asAuditActor(), replyTo),
            http.requestTimeout())
        .thenApplyAsync(reply -> {
          if (reply instanceof KeyRing.Done done) {
            keys.revoke(done.key().sha256());
            return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
          }
          String configured = keys.isConfigured(tenant, name)
              ? " (it is configured in troupe.auth.keys: remove it there)" : "";
          return Problems.response(StatusCodes.NOT_FOUND, "no key " + name + " was created over the API in tenant "
              + tenant + configured, instance);
        }, executor)
        .exceptionally(TaskRoutes::unavailable);
    return completeWithFuture(response);
  }

  /** Another tenant is the operator's to manage; to anyone else it does not exist. */
  private static Optional<HttpResponse> tenantProblem(Principal principal, String tenant) {
    if (tenant.equals(principal.tenant()) || principal.tenant().equals(OPERATOR_TENANT)) {
      return Optional.empty();
    }
    return Optional.of(Problems.response(StatusCodes.FORBIDDEN, "only an admin of the default tenant manages "
        + "another tenant's keys", INSTANCE));
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<KeyRing.Command> ring(String tenant) {
    return runtime.sharding().entityRefFor(KeyRing.ENTITY_TYPE_KEY, tenant);
  }

  static Principal principalOf(KeyRing.KeyInfo key) {
    return new Principal(key.name(), key.tenant(), key.roles().stream()
        .map(role -> Role.parse(role).orElseThrow()).collect(Collectors.toSet()));
  }

  private static HttpResponse json(StatusCode status, Object body) {
    return JsonBody.json(status, body);
  }
}
