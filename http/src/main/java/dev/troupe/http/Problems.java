package dev.troupe.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** RFC 9457 problem details, the body of every error this API returns. */
public final class Problems {
  public static final ContentType PROBLEM_JSON =
      ContentTypes.create(MediaTypes.applicationWithOpenCharset("problem+json"),
          org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);
  /** Problem types are URNs: stable identifiers, not links to a site we would have to keep up. */
  private static final String TYPE_BASE = "urn:troupe:problem:";

  private Problems() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Problem(String type, String title, int status, String detail, String instance, String taskId) {
    public Problem(String type, String title, int status, String detail, String instance) {
      this(type, title, status, detail, instance, null);
    }
  }

  public static HttpResponse response(StatusCode status, String detail, String instance) {
    String title = reason(status);
    Problem problem = new Problem(TYPE_BASE + slug(title), title, status.intValue(), detail, instance);
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(PROBLEM_JSON, ApiJson.write(problem)));
  }

  /** As {@link #response(StatusCode, String, String)}, naming the task the request concerns ({@code taskId}). */
  public static HttpResponse response(StatusCode status, String detail, String instance, String taskId) {
    String title = reason(status);
    Problem problem = new Problem(TYPE_BASE + slug(title), title, status.intValue(), detail, instance, taskId);
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(PROBLEM_JSON, ApiJson.write(problem)));
  }

  public static HttpResponse badRequest(String detail, String instance) {
    return response(StatusCodes.BAD_REQUEST, detail, instance);
  }

  private static String reason(StatusCode status) {
    return status instanceof org.apache.pekko.http.scaladsl.model.StatusCode scala ? scala.reason() : "Error";
  }

  private static String slug(String title) {
    return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
  }
}
