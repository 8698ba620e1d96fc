package dev.troupe.http;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/** W3C trace context: a valid {@code traceparent} header gives the task's trace id. */
final class TraceIds {
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final String INVALID = "0".repeat(32);
  private static final SecureRandom RANDOM = new SecureRandom();

  private TraceIds() {}

  static String fromHeaderOrNew(Optional<String> traceparent) {
    return traceparent.map(String::strip)
        .map(TRACEPARENT::matcher)
        .filter(java.util.regex.Matcher::matches)
        .map(m -> m.group(1))
        .filter(id -> !id.equals(INVALID))
        .orElseGet(TraceIds::newTraceId);
  }

  static String newTraceId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
