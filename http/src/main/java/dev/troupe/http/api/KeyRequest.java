package dev.troupe.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.config.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@code POST /v1/keys} body: {@code {"name": "ci", "roles": ["submitter"], "tenant"?: "acme"}}.
 * Either the request or the first thing wrong with it; unknown fields are refused.
 */
public record KeyRequest(String name, String tenant, List<String> roles, SubmissionProblem problem) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Set<String> FIELDS = Set.of("name", "roles", "tenant");

  public static KeyRequest parse(JsonNode body, String callerTenant) {
    if (!body.isObject()) {
      return refused("$", "the body must be a JSON object");
    }
    for (var field : (Iterable<String>) body::fieldNames) {
      if (!FIELDS.contains(field)) {
        return refused(field, "unknown field (known: name, roles, tenant)");
      }
    }
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual() || !NAME.matcher(name.asText()).matches()) {
      return refused("name", "required, 1..64 of A-Z a-z 0-9 . _ -");
    }
    JsonNode tenant = body.get("tenant");
    if (tenant != null && (!tenant.isTextual() || !NAME.matcher(tenant.asText()).matches())) {
      return refused("tenant", "1..64 of A-Z a-z 0-9 . _ -");
    }
    JsonNode roles = body.get("roles");
    if (roles == null || !roles.isArray() || roles.isEmpty() || roles.size() > Role.values().length) {
      return refused("roles", "required, a non-empty list of submitter, approver, auditor, admin");
    }
    List<String> parsed = new ArrayList<>();
    for (int i = 0; i < roles.size(); i++) {
      JsonNode role = roles.get(i);
      if (!role.isTextual() || Role.parse(role.asText()).isEmpty()) {
        return refused("roles[" + i + "]", "one of submitter, approver, auditor, admin");
      }
      if (parsed.contains(role.asText())) {
        return refused("roles[" + i + "]", "listed twice");
      }
      parsed.add(role.asText());
    }
    return new KeyRequest(name.asText(), tenant == null ? callerTenant : tenant.asText(), parsed, null);
  }

  private static KeyRequest refused(String field, String message) {
    return new KeyRequest(null, null, null, new SubmissionProblem(400, field, message));
  }
}
