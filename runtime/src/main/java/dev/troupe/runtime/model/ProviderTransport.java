package dev.troupe.runtime.model;

import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import dev.troupe.runtime.PlainFutures;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.stream.Materializer;

/**
 * How LangChain4j's chat models reach a provider here: over Pekko HTTP's client, so a call in
 * flight holds a connection, not a thread (LangChain4j's own JDK client blocks a thread per
 * stream once the answer starts). A streamed answer is read whole and then handed to LangChain4j's
 * parser, which needs no thread of its own once the bytes are in memory. An HTTP error carries
 * the provider's {@code Retry-After}. Nothing here logs a header or a body: an API key passes
 * through and goes nowhere else.
 */
public final class ProviderTransport implements HttpClient {
  /** Headers Pekko sets itself (or takes from the entity); passing them as raw headers is an error there. */
  private static final Set<String> MANAGED = Set.of("content-type", "content-length", "host", "user-agent",
      "connection", "transfer-encoding");
  private static final int MAX_ERROR_BODY = 2_000;

  private final ActorSystem<?> system;
  private final ConnectionPoolSettings pool;
  private final Duration timeout;

  private ProviderTransport(ActorSystem<?> system, ConnectionPoolSettings pool, Duration timeout) {
    this.system = system;
    this.pool = pool;
    this.timeout = timeout;
  }

  /**
   * A builder for LangChain4j's models: each model's timeout (the {@code readTimeout} it sets)
   * bounds a whole call here, answer included; {@code maxConnections} bounds the calls in flight
   * to one provider (more wait for a connection).
   */
  public static Builder builder(ActorSystem<?> system, int maxConnections) {
    return new Builder(system, maxConnections);
  }

  @Override
  public SuccessfulHttpResponse execute(HttpRequest request) {
    // Only blocking chat models call this; Troupe uses streaming ones, which do not.
    try {
      return call(request).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  @Override
  public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
    call(request).whenComplete((response, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        listener.onError(cause);
        return;
      }
      try {
        listener.onOpen(response);
        parser.parse(new ByteArrayInputStream(response.bodyBytes()), listener);
        listener.onClose();
      } catch (RuntimeException e) {
        listener.onError(e);
      }
    });
  }

  private CompletableFuture<SuccessfulHttpResponse> call(HttpRequest request) {
    org.apache.pekko.http.javadsl.model.HttpRequest outgoing;
    try {
      outgoing = toPekko(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    Http http = Http.get(system);
    Materializer materializer = Materializer.matFromSystem(system);
    return PlainFutures.of(http.singleRequest(outgoing, http.defaultClientHttpsContext(), pool, system.classicSystem().log()))
        .thenCompose(response -> PlainFutures.of(response.entity().toStrict(timeout.toMillis(), materializer))
            .thenApply(strict -> toLangChain4j(response, strict.getData().toArray())))
        .toCompletableFuture()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static org.apache.pekko.http.javadsl.model.HttpRequest toPekko(HttpRequest request) {
    var outgoing = org.apache.pekko.http.javadsl.model.HttpRequest.create(request.url())
        .withMethod(switch (request.method()) {
          case GET -> HttpMethods.GET;
          case POST -> HttpMethods.POST;
          case DELETE -> HttpMethods.DELETE;
        });
    List<HttpHeader> headers = new ArrayList<>();
    for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
      if (MANAGED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String value : header.getValue()) {
        try {
          headers.add(HttpHeader.parse(header.getKey(), value));
        } catch (RuntimeException e) {
          // The value may be a key: the message names the header only.
          throw new IllegalArgumentException("the " + header.getKey() + " header cannot be sent: its value has"
              + " characters a header may not hold (a line break in the API key's variable?)");
        }
      }
    }
    outgoing = outgoing.addHeaders(headers);
    if (request.body() != null) {
      outgoing = outgoing.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          request.body().getBytes(StandardCharsets.UTF_8)));
    }
    return outgoing;
  }

  private static SuccessfulHttpResponse toLangChain4j(HttpResponse response, byte[] body) {
    int status = response.status().intValue();
    if (status < 200 || status > 299) {
      String text = new String(body, StandardCharsets.UTF_8);
      throw new ProviderHttpException(status, text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) : text,
          retryAfter(response).orElse(null));
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (HttpHeader header : response.getHeaders()) {
      headers.computeIfAbsent(header.name(), n -> new ArrayList<>()).add(header.value());
    }
    headers.put("Content-Type", List.of(response.entity().getContentType().toString()));
    return SuccessfulHttpResponse.builder().statusCode(status).headers(headers).body(body).build();
  }

  /** {@code Retry-After}: seconds, or an HTTP date. */
  static java.util.Optional<Duration> retryAfter(HttpResponse response) {
    return response.getHeader("Retry-After").map(HttpHeader::value).flatMap(ProviderTransport::parseRetryAfter);
  }

  static java.util.Optional<Duration> parseRetryAfter(String value) {
    String raw = value.trim();
    try {
      long seconds = Long.parseLong(raw);
      return seconds < 0 ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      try {
        Duration until = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(raw,
            DateTimeFormatter.RFC_1123_DATE_TIME));
        return java.util.Optional.of(until.isNegative() ? Duration.ZERO : until);
      } catch (DateTimeParseException notADate) {
        return java.util.Optional.empty();
      }
    }
  }

  /** LangChain4j sets its timeouts here; the read timeout becomes the bound on a whole call. */
  public static final class Builder implements HttpClientBuilder {
    private final ActorSystem<?> system;
    private final int maxConnections;
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration readTimeout = Duration.ofSeconds(60);

    private Builder(ActorSystem<?> system, int maxConnections) {
      this.system = system;
      this.maxConnections = maxConnections;
    }

    @Override
    public Duration connectTimeout() {
      return connectTimeout;
    }

    @Override
    public Builder connectTimeout(Duration timeout) {
      if (timeout != null) {
        this.connectTimeout = timeout;
      }
      return this;
    }

    @Override
    public Duration readTimeout() {
      return readTimeout;
    }

    @Override
    public Builder readTimeout(Duration timeout) {
      if (timeout != null) {
        this.readTimeout = timeout;
      }
      return this;
    }

    @Override
    public ProviderTransport build() {
      ConnectionPoolSettings pool = ConnectionPoolSettings.create(system.classicSystem())
          .withMaxConnections(maxConnections)
          // Calls past the connections wait in the pool's queue; it must hold every call in flight.
          .withMaxOpenRequests(Integer.highestOneBit(Math.max(4096, maxConnections * 4) - 1) << 1)
          .withMaxRetries(0) // a provider call is not idempotent: the model router decides what to retry
          .withConnectionSettings(org.apache.pekko.http.javadsl.settings.ClientConnectionSettings.create(system.classicSystem())
              .withConnectingTimeout(connectTimeout)
              .withIdleTimeout(readTimeout.plusSeconds(5)));
      return new ProviderTransport(system, pool, readTimeout);
    }
  }
}
