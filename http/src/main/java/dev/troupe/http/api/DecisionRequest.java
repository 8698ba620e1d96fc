package dev.troupe.http.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An approve or reject body: {@code {"comment": "..."}}, the comment optional (an empty body is
 * fine). Either the trimmed comment or the first thing wrong; unknown fields are refused.
 */
public record DecisionRequest(String comment, SubmissionProblem problem) {
  public static final int MAX_COMMENT = 2000;

  public static DecisionRequest parse(JsonNode body) {
    if (!body.isObject()) {
      return refused("$", "the body must be a JSON object");
    }
    for (var name : (Iterable<String>) body::fieldNames) {
      if (!name.equals("comment")) {
        return refused(name, "unknown field (known: comment)");
      }
    }
    JsonNode comment = body.get("comment");
    if (comment == null || comment.isNull()) {
      return new DecisionRequest(null, null);
    }
    if (!comment.isTextual()) {
      return refused("comment", "a string");
    }
    String trimmed = comment.asText().strip();
    if (trimmed.length() > MAX_COMMENT) {
      return refused("comment", "at most " + MAX_COMMENT + " characters");
    }
    if (trimmed.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
      return refused("comment", "must not contain control characters other than newline and tab");
    }
    return new DecisionRequest(trimmed.isEmpty() ? null : trimmed, null);
  }

  private static DecisionRequest refused(String field, String message) {
    return new DecisionRequest(null, new SubmissionProblem(400, field, message));
  }
}
