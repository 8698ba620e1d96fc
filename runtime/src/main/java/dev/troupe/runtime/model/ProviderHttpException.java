package dev.troupe.runtime.model;

import dev.langchain4j.exception.HttpException;
import java.time.Duration;
import java.util.Optional;

/**
 * A provider answered with an HTTP error. LangChain4j maps it by status (429 to a rate limit,
 * 5xx to a server error, ...) and keeps it as the cause; it carries what LangChain4j's own
 * exception does not: how long the provider asked us to wait ({@code Retry-After}).
 */
public final class ProviderHttpException extends HttpException {
  private static final long serialVersionUID = 1L;
  private final Duration retryAfter;

  public ProviderHttpException(int statusCode, String body, Duration retryAfter) {
    super(statusCode, body);
    this.retryAfter = retryAfter;
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
