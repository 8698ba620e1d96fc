package dev.troupe.http;

import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /health/live} (the process answers) and {@code /health/ready} (it can take tasks). */
final class HealthRoutes extends AllDirectives {
  private final NodeState node;

  HealthRoutes(NodeState node) {
    this.node = node;
  }

  Route routes() {
    return pathPrefix("health", () -> concat(
        path("live", () -> get(() -> complete(json(StatusCodes.OK, "UP")))),
        path("ready", () -> get(() -> complete(node.ready()
            ? json(StatusCodes.OK, "READY")
            : json(StatusCodes.SERVICE_UNAVAILABLE, "NOT_READY"))))));
  }

  /**
   * With how many entities are quarantined (their journal cannot be read; the rest of the node
   * serves): which ones, with the sequence number, only an auditor sees ({@code /v1/audit/quarantine}).
   */
  private HttpResponse json(org.apache.pekko.http.javadsl.model.StatusCode status, String value) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("status", value);
    node.runtime().ifPresent(runtime -> body.put("quarantined", runtime.quarantine().entries().size()));
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(body)));
  }
}
