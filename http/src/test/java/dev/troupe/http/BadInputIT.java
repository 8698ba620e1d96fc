package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property-style: many generated hostile or malformed requests, each invalid by construction
 * (one defect from each family: syntax, encoding, unknown or mistyped fields, out-of-range
 * values, nesting, content type, auth, routes and methods). Every one must get a problem+json
 * 4xx, the server must stay up, and the journal must not change. The seed is in every failure
 * message, so a failure can be replayed.
 */
class BadInputIT {
  private static final String KEY = "bad-input-admin-key-0001";
  /** Fixed, so CI runs the same cases every time; set -Dtroupe.test.seed to explore others. */
  private static final long SEED = Long.getLong("troupe.test.seed", 20261129L);
  private static final int CASES = 600;
  private static final String VALID = "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Anvils are heavy.\"},"
      + " \"budget\": {\"maxTokens\": 5000, \"maxCostUsd\": 0.5}, \"deadline\": \"PT10M\", \"priority\": \"normal\","
      + " \"labels\": {\"customer\": \"acme\"}}";

  @TempDir
  static Path dataDir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dataDir, "troupe.auth.admin-key = \"" + KEY + "\"\ntroupe.http.max-body-bytes = 65536");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** One generated request: what it is, for the failure message, and how to send it. */
  private record Case(String what, HttpRequest.Builder request) {}

  private static HttpRequest.Builder post(String path, String contentType, byte[] body, String key) {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return request;
  }

  private static Case json(String what, String body) {
    return new Case(what + ": " + abbreviate(body),
        post("/v1/tasks", "application/json", body.getBytes(StandardCharsets.UTF_8), KEY));
  }

  private static String abbreviate(String text) {
    return text.length() > 160 ? text.substring(0, 160) + "…" : text;
  }

  private static String randomWord(Random random) {
    StringBuilder out = new StringBuilder();
    int length = 1 + random.nextInt(12);
    for (int i = 0; i < length; i++) {
      out.append((char) ('a' + random.nextInt(26)));
    }
    return out.toString();
  }

  private static String pick(Random random, String... options) {
    return options[random.nextInt(options.length)];
  }

  /**
   * The valid body with top-level field {@code field} set to the raw JSON text {@code value}
   * (as text, so values our own parser would refuse, like 1e400, can be sent).
   */
  private static String withField(String field, String value) {
    java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
    fields.put("capability", "\"text.summarize\"");
    fields.put("input", "{\"text\": \"Anvils are heavy.\"}");
    fields.put("budget", "{\"maxTokens\": 5000, \"maxCostUsd\": 0.5}");
    fields.put("deadline", "\"PT10M\"");
    fields.put("priority", "\"normal\"");
    fields.put("labels", "{\"customer\": \"acme\"}");
    fields.put(field, value);
    StringBuilder body = new StringBuilder("{");
    fields.forEach((name, json) -> body.append(body.length() > 1 ? ", " : "").append('"').append(name)
        .append("\": ").append(json));
    return body.append('}').toString();
  }

  private static final List<Function<Random, Case>> FAMILIES = List.of(
      random -> {
        int cut = 1 + random.nextInt(VALID.length() - 2);
        return json("truncated at " + cut, VALID.substring(0, cut));
      },
      random -> {
        byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, 0x28, (byte) 0x8C},
            {(byte) 0xC0, (byte) 0xAF}};
        byte[] bad = invalid[random.nextInt(invalid.length)];
        byte[] body = VALID.getBytes(StandardCharsets.UTF_8);
        int at = VALID.indexOf("Anvils") + random.nextInt(6);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, at);
        out.write(bad, 0, bad.length);
        out.write(body, at, body.length - at);
        return new Case("invalid UTF-8 at " + at, post("/v1/tasks", "application/json", out.toByteArray(), KEY));
      },
      random -> {
        String field = "x" + randomWord(random);
        return json("unknown field", withField(field, pick(random, "1", "\"a\"", "null", "{}", "[]", "true")));
      },
      random -> {
        String[][] wrong = {
            {"capability", "42", "true", "{}", "[\"text.summarize\"]", "\"\"", "\"TEXT SUMMARIZE\""},
            {"input", "\"text\"", "42", "[1,2]", "true"},
            {"budget", "[]", "\"cheap\"", "5", "{\"maxTokens\": \"lots\"}", "{\"maxCostUsd\": []}", "{\"tokens\": 5}"},
            {"deadline", "600", "\"ten minutes\"", "{}", "\"P\"", "\"PT\""},
            {"priority", "\"urgent\"", "1", "[]", "\"\""},
            {"labels", "[]", "\"acme\"", "{\"k\": 1}", "{\"k\": {}}", "{\"\": \"v\"}"},
            {"goal", "42", "[]", "{}"},
            {"workflow", "\"client-onboarding\""}};
        String[] options = wrong[random.nextInt(wrong.length)];
        return json("wrong " + options[0], withField(options[0], options[1 + random.nextInt(options.length - 1)]));
      },
      random -> {
        String[][] outOfRange = {
            {"budget", "{\"maxTokens\": 0}", "{\"maxTokens\": -1}", "{\"maxTokens\": 10000000000}",
                "{\"maxTokens\": 1.5}", "{\"maxCostUsd\": -0.01}", "{\"maxCostUsd\": 10000000}",
                "{\"maxTokens\": 1e400}", "{\"maxCostUsd\": 1" + "0".repeat(60) + "}"},
            {"deadline", "\"P31D\"", "\"PT0S\"", "\"-PT1S\"", "\"P100Y\""},
            {"capability", "\"image.paint\"", "\"" + "a".repeat(300) + "\""}};
        String[] options = outOfRange[random.nextInt(outOfRange.length)];
        return json("out of range " + options[0], withField(options[0], options[1 + random.nextInt(options.length - 1)]));
      },
      random -> {
        StringBuilder labels = new StringBuilder("{");
        int count = random.nextBoolean() ? 33 + random.nextInt(10) : 1;
        for (int i = 0; i < count; i++) {
          labels.append(i == 0 ? "" : ",").append("\"k").append(i).append("\": \"")
              .append(count == 1 ? "v".repeat(257 + random.nextInt(100)) : "v").append('"');
        }
        return json("labels", withField("labels", labels.append('}').toString()));
      },
      random -> {
        int depth = 33 + random.nextInt(200);
        String input = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        return json("nested " + depth + " deep", "{\"capability\": \"text.summarize\", \"input\": " + input + "}");
      },
      random -> json("both or neither", pick(random,
          "{\"capability\": \"text.summarize\", \"workflow\": \"client-onboarding\", \"input\": {}}",
          "{\"input\": {\"text\": \"x\"}}", "{}", "[]", "null", "\"text\"", "42")),
      random -> {
        String contentType = pick(random, "text/plain", "application/xml", "application/x-www-form-urlencoded", null);
        return new Case("content type " + contentType,
            post("/v1/tasks", contentType, VALID.getBytes(StandardCharsets.UTF_8), KEY));
      },
      random -> {
        String key = pick(random, null, "", "not-a-key", KEY + "x", KEY.substring(1));
        return new Case("key " + key, post("/v1/tasks", "application/json", VALID.getBytes(StandardCharsets.UTF_8),
            key));
      },
      random -> {
        String path = "/v1/" + pick(random, "tasks", "approvals", "keys", "workflows", "audit", randomWord(random))
            + (random.nextBoolean() ? "/" + randomWord(random) : "")
            + (random.nextBoolean() ? "/" + pick(random, "cancel", "approve", "events", "verify", randomWord(random)) : "");
        // Never GET: a random GET may well be a valid read, which is not bad input.
        String method = pick(random, "PATCH", "DELETE", "PUT", "POST");
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path))
            .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(random.nextBoolean() ? "{" : "[1]"));
        return new Case(method + " " + path, request);
      },
      random -> {
        int size = 10_001 + random.nextInt(100);
        String items = "[" + "0,".repeat(size - 1) + "0]";
        return json(size + " elements", "{\"capability\": \"text.summarize\", \"input\": {\"items\": " + items + "}}");
      },
      random -> {
        // Every other route that takes a JSON body, with a body broken one of three ways.
        String[][] routes = {{"POST", "/v1/keys", "{\"name\": \"ci\", \"roles\": [\"submitter\"]}"},
            {"POST", "/v1/events", "{\"type\": \"invoice.paid\", \"data\": {\"n\": 1}}"},
            {"PUT", "/v1/workflows/generated", "{\"steps\": [{\"id\": \"a\", \"capability\": \"text.summarize\"}]}"},
            {"POST", "/v1/workflows/generated/rollback", "{\"toVersion\": 1}"},
            {"POST", "/v1/tasks/tsk_00000000000000000000000000000000/guidance", "{\"text\": \"go on\"}"},
            {"POST", "/v1/approvals/apr_0_000000000000/approve", "{\"comment\": \"ok\"}"}};
        String[] route = routes[random.nextInt(routes.length)];
        String valid = route[2];
        byte[] body = switch (random.nextInt(3)) {
          case 0 -> valid.substring(0, 1 + random.nextInt(valid.length() - 2)).getBytes(StandardCharsets.UTF_8);
          case 1 -> (valid.substring(0, valid.length() - 1) + ", \"x" + randomWord(random) + "\": 1}")
              .getBytes(StandardCharsets.UTF_8);
          default -> {
            byte[] utf8 = valid.getBytes(StandardCharsets.UTF_8);
            utf8[5 + random.nextInt(utf8.length - 10)] = (byte) 0xC0;
            yield utf8;
          }
        };
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(route[1]))
            .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
            .method(route[0], HttpRequest.BodyPublishers.ofByteArray(body));
        return new Case(route[0] + " " + route[1] + " with " + abbreviate(new String(body, StandardCharsets.UTF_8)),
            request);
      },
      random -> {
        byte[] noise = new byte[1 + random.nextInt(400)];
        random.nextBytes(noise);
        return new Case("random bytes", post("/v1/tasks", "application/json", noise, KEY));
      },
      random -> {
        // Every numeric slot with a number no double holds, and a non-finite one anywhere in the input.
        String huge = pick(random, "1e309", "1e400", "-1e400", "-1e309", "1.7976931348623159e308");
        String[] slots = {"{\"maxCostUsd\": " + huge + "}", "{\"maxTokens\": " + huge + "}"};
        return pick(random, "budget", "input").equals("budget")
            ? json("huge number in budget", withField("budget", slots[random.nextInt(slots.length)]))
            : json("huge number in input", withField("input", "{\"amount\": " + huge + "}"));
      },
      random -> {
        // Every route that takes a body, with a JSON value that is not an object.
        String[][] routes = {{"POST", "/v1/tasks"}, {"POST", "/v1/keys"}, {"POST", "/v1/events"},
            {"PUT", "/v1/workflows/generated"}, {"POST", "/v1/workflows/generated/rollback"},
            {"POST", "/v1/tasks/tsk_00000000000000000000000000000000/guidance"},
            {"POST", "/v1/approvals/apr_0_000000000000/approve"}};
        String[] route = routes[random.nextInt(routes.length)];
        String body = pick(random, "null", "[]", "42", "\"text\"", "true", "1e400");
        return new Case(route[0] + " " + route[1] + " with " + body, HttpRequest.newBuilder(server.uri(route[1]))
            .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
            .method(route[0], HttpRequest.BodyPublishers.ofString(body)));
      },
      random -> {
        // Every query parameter of the list routes, out of range or malformed.
        String route = pick(random, "/v1/tasks", "/v1/approvals", "/v1/keys", "/v1/audit/export");
        String query = switch (route) {
          case "/v1/keys" -> "tenant=" + pick(random, "", "%20", "a%2Fb", "x".repeat(65));
          case "/v1/audit/export" -> pick(random, "since=", "since=yesterday", "until=2026-13-01T00:00:00Z");
          default -> pick(random, "limit=0", "limit=-1", "limit=100000", "limit=1e3", "limit=", "status=BOGUS",
              "status=", "cursor=%3Cx%3E", "cursor=", "cursor=" + "A".repeat(300));
        };
        return new Case("GET " + route + "?" + query, HttpRequest.newBuilder(server.uri(route + "?" + query))
            .header("Authorization", "Bearer " + KEY).GET());
      },
      random -> {
        String lastEventId = pick(random, "-1", "-9223372036854775808", "x", "1.5", "9223372036854775808", "");
        return new Case("Last-Event-ID " + lastEventId, HttpRequest.newBuilder(
                server.uri("/v1/tasks/tsk_00000000000000000000000000000000/events"))
            .header("Authorization", "Bearer " + KEY).header("Last-Event-ID", lastEventId).GET());
      });

  /** A request sent as raw bytes (what an HTTP client library would refuse to send), and the answer's head. */
  private static String raw(String request) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      byte[] buffer = new byte[8192];
      int n = socket.getInputStream().read(buffer);
      return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
    }
  }

  @Test
  void theDefectsAnOutsideTestFoundAreEachAnswered4xxAtOnce() throws Exception {
    for (String huge : List.of("1e309", "1e400", "-1e400")) {
      HttpResponse<String> response = server.postJson("/v1/tasks", KEY, withField("budget",
          "{\"maxCostUsd\": " + huge + "}"));
      assertEquals(400, response.statusCode(), huge + ": " + response.body());
      assertTrue(response.body().contains("budget.maxCostUsd: the number is out of range"), response.body());
    }
    HttpResponse<String> nullWorkflow = server.send(HttpRequest.newBuilder(server.uri("/v1/workflows/anything"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("null")));
    assertEquals(400, nullWorkflow.statusCode(), nullWorkflow.body());
    assertTrue(nullWorkflow.body().contains("the body must be a JSON object, was null"), nullWorkflow.body());

    long started = System.nanoTime();
    HttpResponse<String> emptyTenant = server.get("/v1/keys?tenant=", KEY);
    assertEquals(400, emptyTenant.statusCode(), emptyTenant.body());
    assertTrue(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) < 2_000,
        "answered at once, not after the request timeout");

    String taskId = TestServer.json(server.postJson("/v1/tasks", KEY, VALID)).get("taskId").asText();
    server.await("/v1/tasks/" + taskId, KEY, task -> task.get("status").asText().equals("COMPLETED"), "completed");
    HttpResponse<String> afterTheEnd = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks/" + taskId + "/events"))
        .header("Authorization", "Bearer " + KEY).header("Last-Event-ID", String.valueOf(Long.MAX_VALUE)).GET());
    assertEquals(200, afterTheEnd.statusCode());
    assertFalse(afterTheEnd.body().contains("event:"), "nothing after the last id: " + afterTheEnd.body());
    HttpResponse<String> negative = server.send(HttpRequest.newBuilder(server.uri("/v1/tasks/" + taskId + "/events"))
        .header("Authorization", "Bearer " + KEY).header("Last-Event-ID", "-3").GET());
    assertEquals(400, negative.statusCode());

    String illegal = raw("GET /v1/tasks?cursor=<x> HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
        + "\r\nConnection: close\r\n\r\n");
    assertTrue(illegal.startsWith("HTTP/1.1 400"), illegal);
    assertTrue(illegal.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/problem+json"), illegal);
  }

  @Test
  void aKeyInAMalformedAuthorizationHeaderReachesNoLogLine() throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    root.addAppender(logged);
    try {
      for (String header : List.of("Bearer " + KEY + ",", "Bearer " + KEY + "\u00e9", "Bearer  " + KEY + " x",
          "Basic " + KEY, KEY)) {
        String answer = raw("GET /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + header
            + "\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 4"), header + ": " + answer);
        assertFalse(answer.contains(KEY), "the key is not echoed: " + answer);
      }
      String broken = raw("GET /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
          + "\r\n\u0001bad header line\r\nConnection: close\r\n\r\n");
      assertTrue(broken.startsWith("HTTP/1.1 400"), broken);
      Thread.sleep(200); // log events are written asynchronously by Pekko's logger
      for (var event : logged.list) {
        assertFalse(event.getFormattedMessage().contains(KEY), "logged: " + event.getFormattedMessage());
      }
    } finally {
      root.detachAppender(logged);
    }
  }

  @Test
  void eachLimitHasItsOwnClearMessage() throws Exception {
    String items = "[" + "0,".repeat(10_000) + "0]";
    HttpResponse<String> response = server.postJson("/v1/tasks", KEY,
        "{\"capability\": \"text.summarize\", \"input\": {\"doc\": {\"items\": " + items + "}}}");
    assertEquals(400, response.statusCode());
    assertTrue(response.body().contains("input.doc.items: at most 10000 elements"), response.body());
    String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
    HttpResponse<String> nested = server.postJson("/v1/tasks", KEY,
        "{\"capability\": \"text.summarize\", \"input\": " + deep + "}");
    assertEquals(400, nested.statusCode());
    assertTrue(nested.body().contains("the JSON exceeds a limit") && nested.body().contains("depth"), nested.body());
  }

  @Test
  void generatedBadRequestsGetProblem4xxChangeNothingAndTheServerStaysUp() throws Exception {
    Random random = new Random(SEED);
    long tasksBefore = server.journaledTasks();
    long rowsBefore = server.journalRows();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      Case bad = FAMILIES.get(random.nextInt(FAMILIES.size())).apply(random);
      HttpResponse<String> response = server.send(bad.request());
      int status = response.statusCode();
      String type = response.headers().firstValue("Content-Type").orElse("");
      boolean expected = status >= 400 && status < 500 && type.startsWith("application/problem+json");
      if (!expected) {
        failures.add(status + " " + type + " for " + bad.what() + " -> " + abbreviate(response.body()));
      }
    }
    assertTrue(failures.isEmpty(), "seed " + SEED + " (-Dtroupe.test.seed to replay): " + failures);
    assertEquals(tasksBefore, server.journaledTasks(), "seed " + SEED + ": bad input journaled a task");
    assertEquals(rowsBefore, server.journalRows(), "seed " + SEED + ": bad input journaled something");
    assertEquals(200, server.get("/health/live", null).statusCode());
    assertEquals(202, server.postJson("/v1/tasks", KEY, VALID).statusCode(), "and still takes good input");
  }
}
