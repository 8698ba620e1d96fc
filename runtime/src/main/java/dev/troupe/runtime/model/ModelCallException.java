package dev.troupe.runtime.model;

import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.ContentFilteredException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.UnresolvedModelServerException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * A model call that failed, classified for the router: a transient failure (429, 5xx, a timeout,
 * a broken connection, a garbled answer) is worth another try after a backoff, at least as long as
 * the provider's {@code Retry-After}; a permanent one (400, 401, 403, 404, refused content) is
 * not. {@code countsAgainstModel} says whether the model's circuit breaker should count it: a
 * request the provider rejected as malformed says nothing about the provider's health.
 */
public final class ModelCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean transientFailure;
  private final boolean countsAgainstModel;
  private final Duration retryAfter;

  public ModelCallException(String message, boolean transientFailure, boolean countsAgainstModel,
      Duration retryAfter) {
    super(message, null, false, false);
    this.transientFailure = transientFailure;
    this.countsAgainstModel = countsAgainstModel;
    this.retryAfter = retryAfter;
  }

  public boolean isTransient() {
    return transientFailure;
  }

  public boolean countsAgainstModel() {
    return countsAgainstModel;
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** What {@code error} from a call to {@code modelId} means for the router, in words for the journal. */
  public static ModelCallException classify(String modelId, Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof ModelCallException already) {
      return already;
    }
    Duration retryAfter = retryAfterOf(e);
    String status = statusOf(e).map(s -> "HTTP " + s + ": ").orElse("");
    String detail = status + summary(e);
    if (e instanceof RateLimitException) {
      return new ModelCallException("model " + modelId + " is rate limited (" + detail + ")", true, true, retryAfter);
    }
    if (e instanceof InternalServerException) {
      return new ModelCallException("model " + modelId + " failed on the provider's side (" + detail + ")", true, true,
          retryAfter);
    }
    if (isTimeout(e)) {
      return new ModelCallException("model " + modelId + " did not answer in time", true, true, null);
    }
    if (e instanceof AuthenticationException) {
      return new ModelCallException("model " + modelId + " refused the credentials (" + status.trim()
          + " check the provider's api-key-env)", false, true, null);
    }
    if (e instanceof ContentFilteredException) {
      return new ModelCallException("model " + modelId + " refused the content (" + detail + ")", false, false, null);
    }
    if (e instanceof ModelNotFoundException) {
      return new ModelCallException("model " + modelId + " is not known to its provider (" + detail + ")", false,
          true, null);
    }
    if (e instanceof InvalidRequestException) {
      return new ModelCallException("model " + modelId + " rejected the request (" + detail + ")", false, false, null);
    }
    if (e instanceof UnresolvedModelServerException) {
      return new ModelCallException("model " + modelId + "'s provider cannot be resolved (" + detail + ")", false,
          true, null);
    }
    if (e instanceof org.apache.pekko.stream.BufferOverflowException
        || e instanceof IllegalArgumentException && String.valueOf(e.getMessage()).contains("header cannot be sent")) {
      // Our side: too many calls queued for the provider's connections, or a request we cannot send.
      return new ModelCallException("model " + modelId + " was not called: " + e.getMessage(),
          e instanceof org.apache.pekko.stream.BufferOverflowException, false, null);
    }
    // A refused or reset connection, a garbled answer, anything else: worth another try.
    return new ModelCallException("model " + modelId + " failed: " + detail, true, true, null);
  }

  /** A timeout anywhere in the chain: ours (the whole call), LangChain4j's or the JDK's. */
  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TimeoutException || t instanceof dev.langchain4j.exception.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static Duration retryAfterOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ProviderHttpException http) {
        return http.retryAfter().orElse(null);
      }
    }
    return null;
  }

  private static Optional<Integer> statusOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof dev.langchain4j.exception.HttpException http) {
        return Optional.of(http.statusCode());
      }
    }
    return Optional.empty();
  }

  /** The innermost message, short: provider bodies can be long, and stack traces help no one here. */
  private static String summary(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName()
        : root.getClass().getSimpleName() + ": " + root.getMessage();
    message = message.replaceAll("\\s+", " ");
    return message.length() > 300 ? message.substring(0, 300) + "..." : message;
  }
}
