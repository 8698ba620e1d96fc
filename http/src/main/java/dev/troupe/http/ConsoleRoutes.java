package dev.troupe.http;

import java.util.List;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /console}: the approvals console, static files from the jar. The page holds no secret;
 * it calls the public API with the key the approver types in. Strict headers keep it from running
 * anything but its own script, and from being framed.
 */
final class ConsoleRoutes extends AllDirectives {
  private static final Set<String> FILES = Set.of("console.js", "console.css");
  private static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
          + "connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-cache"));

  Route routes() {
    return pathPrefix("console", () -> get(() -> respondWithHeaders(HEADERS, () -> concat(
        pathEnd(() -> redirect(org.apache.pekko.http.javadsl.model.Uri.create("/console/"),
            StatusCodes.PERMANENT_REDIRECT)),
        pathSingleSlash(() -> getFromResource("console/index.html")),
        path(PathMatchers.segment(), file -> FILES.contains(file)
            ? getFromResource("console/" + file)
            : complete(Problems.response(StatusCodes.NOT_FOUND, "no console file " + file, "/console/" + file)))))));
  }
}
