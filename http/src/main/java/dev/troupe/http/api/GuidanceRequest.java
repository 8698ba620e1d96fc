package dev.troupe.http.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/tasks/{id}/guidance} body: {@code {"text": "..."}}. Either the trimmed text or
 * the first thing wrong with the body; unknown fields are refused like everywhere else.
 */
public record GuidanceRequest(String text, SubmissionProblem problem) {
  public static final int MAX_TEXT = 4000;

  public static GuidanceRequest parse(JsonNode body) {
    if (!body.isObject()) {
      return refused("$", "the body must be a JSON object");
    }
    for (var name : (Iterable<String>) body::fieldNames) {
      if (!name.equals("text")) {
        return refused(name, "unknown field (known: text)");
      }
    }
    JsonNode text = body.get("text");
    if (text == null || !text.isTextual()) {
      return refused("text", "required, a string");
    }
    String trimmed = text.asText().strip();
    if (trimmed.isEmpty()) {
      return refused("text", "must not be blank");
    }
    if (trimmed.length() > MAX_TEXT) {
      return refused("text", "at most " + MAX_TEXT + " characters");
    }
    if (trimmed.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
      return refused("text", "must not contain control characters other than newline and tab");
    }
    return new GuidanceRequest(trimmed, null);
  }

  private static GuidanceRequest refused(String field, String message) {
    return new GuidanceRequest(null, new SubmissionProblem(400, field, message));
  }
}
