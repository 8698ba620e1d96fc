package dev.troupe.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/** The API's one ObjectMapper: strict on input (bounded depth and sizes), ISO times on output. */
public final class ApiJson {
  public static final int MAX_DEPTH = 32;
  public static final int MAX_STRING_CHARS = 200_000;
  public static final int MAX_NUMBER_CHARS = 50;

  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  static {
    MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(MAX_DEPTH)
        .maxStringLength(MAX_STRING_CHARS)
        .maxNumberLength(MAX_NUMBER_CHARS)
        .build());
  }

  private ApiJson() {}

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response cannot be written as JSON", e);
    }
  }

  /** Parses a request body; the exception's message is safe to show the client. */
  public static JsonNode read(byte[] body) throws InvalidJsonException {
    // Strict UTF-8 first: Jackson decodes some invalid forms (overlong encodings such as
    // 0xC0 0xAF for '/'), and what reaches an agent or the journal must be what was sent.
    // JSON over HTTP is UTF-8 (RFC 8259): what was decoded is what is parsed, so Jackson's own
    // encoding detection (UTF-16, UTF-32) cannot be used to slip past this check.
    String text;
    try {
      text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(body)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new InvalidJsonException("the body is not valid UTF-8");
    }
    try {
      JsonNode node = MAPPER.readTree(text);
      if (node == null || node.isMissingNode()) {
        throw new InvalidJsonException("the body is empty; send a JSON object");
      }
      rejectNonFinite(node, "");
      return node;
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      throw new InvalidJsonException("the JSON exceeds a limit: " + e.getOriginalMessage());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidJsonException("malformed JSON at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    }
  }

  /**
   * A number too large for a double (1e309) is read as infinity, which no field can take and which
   * would fail deep inside a route: it is refused here, naming where it is.
   */
  private static void rejectNonFinite(JsonNode node, String path) throws InvalidJsonException {
    if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
      throw new InvalidJsonException((path.isEmpty() ? "the body" : path) + ": the number is out of range");
    }
    if (node.isObject()) {
      for (var field : node.properties()) {
        rejectNonFinite(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        rejectNonFinite(node.get(i), path + "[" + i + "]");
      }
    }
  }

  /** A body that is not acceptable JSON; the message names what is wrong. */
  public static final class InvalidJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidJsonException(String message) {
      super(message);
    }
  }
}
