package dev.troupe.http;

import java.util.regex.Pattern;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * What a request that cannot even be parsed (an illegal target such as {@code ?cursor=<x>}, a
 * header line too long, ...) is answered: {@code application/problem+json} like every other error,
 * not Pekko's plain text. Its one log line masks anything that looks like a key or token, since a
 * broken header may be the one that carries it. Configured as Pekko HTTP's
 * {@code pekko.http.server.parsing.error-handler} (troupe-defaults.conf).
 */
public final class ProblemParsingErrors extends ParsingErrorHandler {
  /** Long runs of key-like characters: API keys, bearer tokens. */
  private static final Pattern SECRET_LIKE = Pattern.compile("[A-Za-z0-9_\\-+/=.]{16,}");

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
    String summary = masked(error.summary());
    log.warning("Illegal request, answered {}: {}", status.intValue(), summary);
    return Problems.response(status, "the request cannot be read: " + summary, null);
  }

  static String masked(String text) {
    return text == null ? "" : SECRET_LIKE.matcher(text).replaceAll("[REDACTED]");
  }
}
