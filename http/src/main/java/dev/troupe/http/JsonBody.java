package dev.troupe.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.config.HttpSettings;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The JSON body every route that takes one reads the same way: 415 unless it is
 * application/json, 413 over {@code troupe.http.max-body-bytes} (a declared length is refused
 * before reading), 400 naming what is malformed. Also the one way routes answer with JSON.
 */
final class JsonBody extends AllDirectives {
  private final HttpSettings http;

  JsonBody(HttpSettings http) {
    this.http = http;
  }

  /** {@code inner} with the parsed body; {@code what} names it in the 415 ("the task", "the event"). */
  Route read(String instance, String what, Function<JsonNode, Route> inner) {
    return read(instance, what, null, inner);
  }

  /** As {@link #read(String, String, Function)}; an empty body (of any type) stands for {@code whenEmpty}. */
  Route read(String instance, String what, JsonNode whenEmpty, Function<JsonNode, Route> inner) {
    return extractRequest(request -> {
      var length = request.entity().getContentLengthOption();
      boolean empty = whenEmpty != null && length.isPresent() && length.getAsLong() == 0;
      if (!empty && !request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
        return complete(Problems.response(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
            "send " + what + " as Content-Type: application/json", instance));
      }
      if (length.isPresent() && length.getAsLong() > http.maxBodyBytes()) {
        return complete(tooLarge(instance));
      }
      return extractStrictEntity(http.requestTimeout(), http.maxBodyBytes(), entity -> {
        if (whenEmpty != null && entity.getData().isEmpty()) {
          return inner.apply(whenEmpty);
        }
        JsonNode body;
        try {
          body = ApiJson.read(entity.getData().toArray());
        } catch (ApiJson.InvalidJsonException e) {
          return complete(Problems.badRequest(e.getMessage(), instance));
        }
        if (!body.isObject()) {
          // Every body the API takes is an object; null, an array or a number would fail deeper.
          return complete(Problems.badRequest("the body must be a JSON object, was " + body.getNodeType()
              .name().toLowerCase(java.util.Locale.ROOT), instance));
        }
        return inner.apply(body);
      });
    });
  }

  HttpResponse tooLarge(String instance) {
    return Problems.response(StatusCodes.CONTENT_TOO_LARGE,
        "the body is larger than the limit of " + http.maxBodyBytes() + " bytes", instance);
  }

  static HttpResponse json(StatusCode status, Object body) {
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(body)));
  }
}
