package dev.troupe.http.api;

/** Why a submission is refused: the field path, what is wrong, and the HTTP status (400 or 422). */
public record SubmissionProblem(int status, String field, String message) {
  public String detail() {
    return field + ": " + message;
  }
}
