package dev.troupe.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The listener over raw sockets: the head deadline (slow-header clients) and graceful termination. */
class HttpListenerTest {
  private static final Duration HEAD_LIMIT = Duration.ofMillis(600);
  private static final ActorTestKit testKit = ActorTestKit.create();
  private HttpListener listener;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void unbind() throws Exception {
    if (listener != null) {
      listener.terminate(Duration.ofMillis(100)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    String path = request.getUri().path();
    if (path.equals("/slow")) {
      CompletableFuture<HttpResponse> later = new CompletableFuture<>();
      CompletableFuture.delayedExecutor(700, TimeUnit.MILLISECONDS)
          .execute(() -> later.complete(HttpResponse.create().withEntity("slow")));
      return later;
    }
    if (path.equals("/stream")) {
      return CompletableFuture.completedFuture(HttpResponse.create().withEntity(HttpEntities.createChunked(
          ContentTypes.TEXT_PLAIN_UTF8, Source.single(ByteString.fromString("first\n"))
              .concat(Source.<ByteString>maybe().mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance())))));
    }
    return request.entity().getDataBytes().runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat),
            Materializer.matFromSystem(testKit.system()))
        .thenApply(body -> HttpResponse.create().withEntity("ok " + path + " " + body.utf8String()));
  }

  private int start() throws Exception {
    listener = HttpListener.bind(testKit.system(),
            new HttpListener.Options("127.0.0.1", 0, HEAD_LIMIT, Optional.empty()), this::handle)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    return listener.localAddress().getPort();
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(8_000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** One response: status line, headers (lower-cased names), body by Content-Length or chunk. */
  record Answer(String statusLine, Map<String, String> headers, String body) {
    int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    if (b == -1 && line.size() == 0) {
      return null;
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  private static Answer read(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
      int colon = header.indexOf(':');
      headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
    }
    String body = "";
    if (headers.containsKey("content-length")) {
      body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
    } else if ("chunked".equals(headers.get("transfer-encoding"))) {
      int size = Integer.parseInt(line(in).trim(), 16);
      body = new String(in.readNBytes(size), StandardCharsets.UTF_8);
      line(in);
    }
    return new Answer(status, headers, body);
  }

  /** Whether the server closed the connection (end of stream or reset) within the socket timeout. */
  private static boolean closedByServer(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  /** Sends a head one line at a time, every {@code pause}, on another thread, until the socket closes. */
  private static void trickle(Socket socket, String requestLine, Duration pause) {
    CompletableFuture.runAsync(() -> {
      try {
        send(socket, requestLine);
        for (int i = 0; i < 40; i++) {
          Thread.sleep(pause.toMillis());
          send(socket, "X-Slow-" + i + ": 1\r\n");
        }
      } catch (IOException | InterruptedException stopped) {
        // the server closed the connection: what the test waits for
      }
    });
  }

  @Test
  void aHeadTrickledInLineByLineIsAnswered408AndClosed() throws Exception {
    int port = start();
    try (Socket socket = connect(port)) {
      long started = System.nanoTime();
      trickle(socket, "GET /trickle HTTP/1.1\r\nHost: a\r\n", Duration.ofMillis(200));
      Answer answer = read(socket.getInputStream());
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertEquals(408, answer.status(), answer.toString());
      assertTrue(answer.headers().get("content-type").startsWith("application/problem+json"), answer.toString());
      assertTrue(answer.body().contains("\"status\":408"), answer.body());
      assertEquals("close", answer.headers().get("connection"));
      assertTrue(closedByServer(socket), "closed after the 408");
      assertTrue(tookMs < 4_000, "answered near the limit, not at the idle timeout: " + tookMs + " ms");
    }
  }

  @Test
  void aClientThatSendsNothingIsClosedAtTheLimitWithoutAnAnswer() throws Exception {
    int port = start();
    try (Socket socket = connect(port)) {
      long started = System.nanoTime();
      assertTrue(closedByServer(socket), "closed, nothing written");
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(tookMs >= HEAD_LIMIT.toMillis() - 100 && tookMs < 4_000, "closed at the limit: " + tookMs + " ms");
    }
  }

  @Test
  void idleTimeBetweenRequestsAndASlowBodyAreNotTimed() throws Exception {
    int port = start();
    try (Socket socket = connect(port)) {
      send(socket, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals("ok /first ", read(socket.getInputStream()).body());
      Thread.sleep(HEAD_LIMIT.toMillis() * 2); // the client keeps the connection idle past the limit
      send(socket, "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n");
      for (char c : "abcdefgh".toCharArray()) {
        Thread.sleep(HEAD_LIMIT.toMillis() / 3); // the body takes 4x the head limit
        send(socket, String.valueOf(c));
      }
      Answer answer = read(socket.getInputStream());
      assertEquals(200, answer.status(), answer.toString());
      assertEquals("ok /second abcdefgh", answer.body());
    }
  }

  @Test
  void aLaterHeadTrickledInEndsTheConnectionAfterAnyAnswerInProgress() throws Exception {
    int port = start();
    try (Socket socket = connect(port)) {
      send(socket, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals(200, read(socket.getInputStream()).status());
      long started = System.nanoTime();
      trickle(socket, "GET /second HTTP/1.1\r\n", Duration.ofMillis(200));
      // An answer may still be going out when a later head is late, so no 408 is written over it:
      // the parser is told its input ended, answers that incomplete request 400, and the server closes.
      Answer answer = read(socket.getInputStream());
      assertEquals(400, answer.status(), answer.toString()); // problem+json on the server (ProblemParsingErrors)
      assertEquals("close", answer.headers().get("connection"));
      assertTrue(closedByServer(socket));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(tookMs < 4_000, "closed near the limit: " + tookMs + " ms");
    }
  }

  @Test
  void stoppingClosesIdleConnectionsAndLetsRequestsInFlightFinish() throws Exception {
    int port = start();
    try (Socket idle = connect(port); Socket busy = connect(port)) {
      send(idle, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals(200, read(idle.getInputStream()).status());
      send(busy, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
      Thread.sleep(100); // let the slow request reach its handler
      long started = System.nanoTime();
      CompletableFuture<?> stopped = listener.terminate(Duration.ofSeconds(5)).toCompletableFuture();
      assertTrue(closedByServer(idle), "an idle connection is closed at once");
      Answer slow = read(busy.getInputStream());
      assertEquals("slow", slow.body());
      assertEquals("close", slow.headers().get("connection"), "the last answer closes its connection");
      assertTrue(closedByServer(busy));
      stopped.get(10, TimeUnit.SECONDS);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(tookMs < 4_000, "stopped when the last request finished, not at the deadline: " + tookMs);
      listener = null;
    }
    assertFalse(canConnect(port), "no longer listening");
  }

  @Test
  void stoppingAbortsAStreamStillOpenAtTheDeadline() throws Exception {
    int port = start();
    try (Socket stream = connect(port)) {
      send(stream, "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals("first\n", read(stream.getInputStream()).body());
      long started = System.nanoTime();
      listener.terminate(Duration.ofMillis(800)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(tookMs >= 700 && tookMs < 5_000, "waited for the deadline: " + tookMs);
      assertTrue(closedByServer(stream), "the stream was cut at the deadline");
      listener = null;
    }
  }

  private static boolean canConnect(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return socket.isConnected();
    } catch (IOException refused) {
      return false;
    }
  }
}
