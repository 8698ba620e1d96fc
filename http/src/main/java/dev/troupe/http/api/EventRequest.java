package dev.troupe.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.workflow.WorkflowValidator;

/**
 * A {@code POST /v1/events} body: {@code {"type": "invoice.paid", "data"?: {...}}}. Either the
 * event or the first thing wrong with it; unknown fields are refused.
 */
public record EventRequest(String type, JsonNode data, SubmissionProblem problem) {

  public static EventRequest parse(JsonNode body) {
    if (!body.isObject()) {
      return refused("$", "the body must be a JSON object");
    }
    for (var name : (Iterable<String>) body::fieldNames) {
      if (!name.equals("type") && !name.equals("data")) {
        return refused(name, "unknown field (known: type, data)");
      }
    }
    JsonNode type = body.get("type");
    if (type == null || !type.isTextual() || !WorkflowValidator.EXTERNAL_EVENT.matcher(type.asText()).matches()) {
      return refused("type", "required, 1..100 of a-z 0-9 . _ - (as a trigger's event names it)");
    }
    JsonNode data = body.get("data");
    if (data != null && !data.isNull() && !data.isObject()) {
      return refused("data", "must be a JSON object");
    }
    return new EventRequest(type.asText(), data == null || data.isNull() ? null : data, null);
  }

  private static EventRequest refused(String field, String message) {
    return new EventRequest(null, null, new SubmissionProblem(400, field, message));
  }
}
