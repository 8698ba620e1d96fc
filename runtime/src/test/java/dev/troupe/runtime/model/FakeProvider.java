package dev.troupe.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model provider on 127.0.0.1 that speaks the real wire protocol: OpenAI's chat completions
 * ({@code POST /v1/chat/completions}, streamed as {@code data:} chunks with {@code tool_calls}
 * deltas and a usage chunk) or Anthropic's messages ({@code POST /v1/messages}, streamed as
 * {@code message_start} ... {@code message_stop} events with {@code tool_use} blocks). It answers
 * from a script (then a default answer), with HTTP errors, {@code Retry-After}, delays and
 * malformed bodies when told to, and records every request. A delayed answer holds no thread:
 * it is written later by one scheduler thread.
 */
public final class FakeProvider implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public enum Wire { OPENAI, ANTHROPIC }

  /** One answer: a status, headers, a body, after a delay. */
  public record Answer(int status, Map<String, String> headers, String body, Duration delay) {
    public Answer after(Duration wait) {
      return new Answer(status, headers, body, wait);
    }

    public Answer withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Answer(status, more, body, delay);
    }
  }

  /** A request as received. */
  public record Received(String path, Map<String, List<String>> headers, JsonNode body) {
    public String header(String name) {
      for (Map.Entry<String, List<String>> h : headers.entrySet()) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue().get(0);
        }
      }
      return null;
    }
  }

  private final Wire wire;
  private final HttpServer server;
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fake-provider-delays");
    t.setDaemon(true);
    return t;
  });
  private final Deque<Answer> script = new ArrayDeque<>();
  private final List<Received> received = new ArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile Answer otherwise;

  private FakeProvider(Wire wire) throws IOException {
    this.wire = wire;
    this.otherwise = wire == Wire.OPENAI ? openAiText("ok", 3, 1) : anthropicText("ok", 3, 1);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    server.createContext("/", this::handle);
    server.start();
  }

  public static FakeProvider openAi() throws IOException {
    return new FakeProvider(Wire.OPENAI);
  }

  public static FakeProvider anthropic() throws IOException {
    return new FakeProvider(Wire.ANTHROPIC);
  }

  /** The base URL a provider is configured with, {@code /v1} included. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
  }

  /** Answers these first, in order. */
  public synchronized FakeProvider then(Answer... answers) {
    script.addAll(List.of(answers));
    return this;
  }

  /** Answers this whenever the script is used up. */
  public FakeProvider always(Answer answer) {
    this.otherwise = answer;
    return this;
  }

  public synchronized List<Received> requests() {
    return List.copyOf(received);
  }

  public int calls() {
    return calls.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] raw = exchange.getRequestBody().readAllBytes();
    Answer answer;
    synchronized (this) {
      JsonNode body;
      try {
        body = JSON.readTree(raw);
      } catch (IOException e) {
        body = JSON.getNodeFactory().textNode(new String(raw, StandardCharsets.UTF_8));
      }
      received.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body));
      answer = script.isEmpty() ? otherwise : script.poll();
    }
    calls.incrementAndGet();
    if (answer.delay().isZero()) {
      write(exchange, answer);
    } else {
      later.schedule(() -> write(exchange, answer), answer.delay().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static void write(HttpExchange exchange, Answer answer) {
    try (exchange) {
      answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
  }

  @Override
  public void close() {
    server.stop(0);
    later.shutdownNow();
  }

  // ---- answers in OpenAI's wire format ----

  private static final Map<String, String> SSE = Map.of("Content-Type", "text/event-stream");

  public static Answer openAiText(String text, int inputTokens, int outputTokens) {
    return openAiStream(chunk(delta().put("role", "assistant").put("content", text), null),
        chunk(delta(), "stop"), usage(inputTokens, outputTokens));
  }

  /** A streamed answer with one tool call, its id and name in the first chunk only (as OpenAI sends them). */
  public static Answer openAiToolCall(String id, String providerToolName, String argumentsJson) {
    String half = argumentsJson.substring(0, argumentsJson.length() / 2);
    String rest = argumentsJson.substring(argumentsJson.length() / 2);
    ObjectNode first = delta();
    ObjectNode call = first.putArray("tool_calls").addObject();
    call.put("index", 0).put("id", id).put("type", "function");
    call.putObject("function").put("name", providerToolName).put("arguments", half);
    ObjectNode second = delta();
    second.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", rest);
    return openAiStream(chunk(first, null), chunk(second, null), chunk(delta(), "tool_calls"), usage(12, 6));
  }

  private static Answer openAiStream(String... chunks) {
    StringBuilder body = new StringBuilder();
    for (String chunk : chunks) {
      body.append("data: ").append(chunk).append("\n\n");
    }
    body.append("data: [DONE]\n\n");
    return new Answer(200, SSE, body.toString(), Duration.ZERO);
  }

  private static ObjectNode delta() {
    return JSON.createObjectNode();
  }

  private static String chunk(ObjectNode delta, String finishReason) {
    ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-1").put("model", "fake-model");
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    if (finishReason != null) {
      choice.put("finish_reason", finishReason);
    }
    return chunk.toString();
  }

  private static String usage(int in, int out) {
    ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-1").put("model", "fake-model");
    chunk.putArray("choices");
    chunk.putObject("usage").put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out);
    return chunk.toString();
  }

  // ---- answers in Anthropic's wire format ----

  public static Answer anthropicText(String text, int inputTokens, int outputTokens) {
    ObjectNode start = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
    start.putObject("content_block").put("type", "text").put("text", "");
    ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
    delta.putObject("delta").put("type", "text_delta").put("text", text);
    return anthropicStream(inputTokens, outputTokens, "end_turn",
        event("content_block_start", start), event("ping", JSON.createObjectNode().put("type", "ping")),
        event("content_block_delta", delta),
        event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));
  }

  public static Answer anthropicToolUse(String id, String providerToolName, String argumentsJson) {
    ObjectNode start = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
    start.putObject("content_block").put("type", "tool_use").put("id", id).put("name", providerToolName)
        .putObject("input");
    ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
    delta.putObject("delta").put("type", "input_json_delta").put("partial_json", argumentsJson);
    return anthropicStream(20, 15, "tool_use", event("content_block_start", start),
        event("content_block_delta", delta),
        event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));
  }

  private static Answer anthropicStream(int in, int out, String stopReason, String... blocks) {
    ObjectNode start = JSON.createObjectNode().put("type", "message_start");
    ObjectNode message = start.putObject("message").put("id", "msg_1").put("type", "message")
        .put("role", "assistant").put("model", "fake-claude");
    message.putArray("content");
    message.putObject("usage").put("input_tokens", in).put("output_tokens", 1);
    ObjectNode end = JSON.createObjectNode().put("type", "message_delta");
    end.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
    end.putObject("usage").put("output_tokens", out);
    StringBuilder body = new StringBuilder(event("message_start", start));
    for (String block : blocks) {
      body.append(block);
    }
    body.append(event("message_delta", end))
        .append(event("message_stop", JSON.createObjectNode().put("type", "message_stop")));
    return new Answer(200, SSE, body.toString(), Duration.ZERO);
  }

  private static String event(String name, ObjectNode data) {
    return "event: " + name + "\ndata: " + data + "\n\n";
  }

  // ---- failures ----

  /** An HTTP error with the provider's error body. */
  public static Answer error(int status, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("message", message).put("type", "error");
    return new Answer(status, Map.of("Content-Type", "application/json"), body.toString(), Duration.ZERO);
  }

  /** A 200 whose stream is not JSON. */
  public static Answer malformed() {
    return new Answer(200, SSE, "data: {this is not json\n\n", Duration.ZERO);
  }

  /** The tools a request offered the model, by the names the provider saw. */
  public static List<String> toolNames(JsonNode request) {
    List<String> names = new ArrayList<>();
    for (JsonNode tool : (ArrayNode) request.path("tools")) {
      names.add(tool.has("function") ? tool.get("function").get("name").asText() : tool.get("name").asText());
    }
    return names;
  }
}
