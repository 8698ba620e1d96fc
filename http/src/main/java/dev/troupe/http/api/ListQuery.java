package dev.troupe.http.api;

import dev.troupe.runtime.directory.TaskDirectory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The query of a list route: {@code status}, {@code limit} (1..200, default 50) and
 * {@code cursor} (as handed out in {@code nextCursor}). Either the parsed query or the first
 * thing wrong with it; unknown parameters are refused, so a typo never silently widens a list.
 */
public record ListQuery<S extends Enum<S>>(Optional<S> status, int limit, Optional<String> cursor,
    SubmissionProblem problem) {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;

  public static <S extends Enum<S>> ListQuery<S> parse(Map<String, String> params, Class<S> statuses) {
    for (String name : params.keySet()) {
      if (!name.equals("status") && !name.equals("limit") && !name.equals("cursor")) {
        return refused(name, "unknown query parameter (known: status, limit, cursor)");
      }
    }
    Optional<S> status = Optional.empty();
    String rawStatus = params.get("status");
    if (rawStatus != null) {
      try {
        status = Optional.of(Enum.valueOf(statuses, rawStatus.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        return refused("status", "one of " + Arrays.toString(statuses.getEnumConstants()));
      }
    }
    int limit = DEFAULT_LIMIT;
    String rawLimit = params.get("limit");
    if (rawLimit != null) {
      try {
        limit = Integer.parseInt(rawLimit);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        return refused("limit", "a whole number from 1 to " + MAX_LIMIT);
      }
    }
    String cursor = params.get("cursor");
    if (cursor != null && !TaskDirectory.isCursor(cursor)) {
      return refused("cursor", "not a cursor this server handed out (use nextCursor as it is)");
    }
    return new ListQuery<S>(status, limit, Optional.ofNullable(cursor), null);
  }

  private static <S extends Enum<S>> ListQuery<S> refused(String field, String message) {
    return new ListQuery<S>(Optional.<S>empty(), 0, Optional.empty(), new SubmissionProblem(400, field, message));
  }
}
