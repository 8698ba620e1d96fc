package dev.troupe.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON Canonicalization Scheme of RFC 8785: the form the audit chain hashes, so that a
 * verifier in any language can recompute a hash from an exported event.
 *
 * <ul>
 *   <li>Object members sorted by their names' UTF-16 code units; no whitespace.
 *   <li>Strings with only the escapes JSON requires: {@code \"}, {@code \\}, and control characters
 *       (backslash b, t, n, f, r, else backslash u and four lower-case hex digits); everything else as UTF-8.
 *   <li>Every number as an IEEE 754 double, written the way ECMAScript's {@code Number.toString}
 *       writes it: the shortest digits that read back as the same double, in plain notation from
 *       1e-6 up to 1e21 and in exponent notation outside that.
 * </ul>
 *
 * <p>No maintained RFC 8785 library for Java is on Maven Central (the reference one was last
 * released in 2018 and parses its own JSON), so this is written against the RFC and tested with
 * its examples and its table of numbers ({@code JcsTest}). Where JSON holds what I-JSON forbids,
 * the result stays deterministic instead of failing a write: a lone surrogate is escaped as
 * backslash u and its four hex digits; NaN and infinities are the strings the journal stores
 * them as; and one extension: an integer beyond 2^53, which a double cannot hold, keeps all its
 * digits rather than being rounded.
 */
public final class Jcs {
  private Jcs() {}

  /** The canonical UTF-8 bytes of {@code node}. */
  public static byte[] bytes(JsonNode node) {
    StringBuilder out = new StringBuilder(256);
    write(node, out);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The canonical text of {@code node}. */
  public static String text(JsonNode node) {
    StringBuilder out = new StringBuilder(256);
    write(node, out);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
        // String.compareTo compares UTF-16 code units, which is the order RFC 8785 asks for.
        members.sort(Map.Entry.comparingByKey());
        out.append('{');
        for (int i = 0; i < members.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          string(members.get(i).getKey(), out);
          out.append(':');
          write(members.get(i).getValue(), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out);
        }
        out.append(']');
      }
      case STRING -> string(node.textValue(), out);
      case NUMBER -> numberNode(node, out);
      case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
      case NULL, MISSING -> out.append("null");
      case BINARY -> string(node.asText(), out); // Jackson's own text for bytes: base64
      case POJO -> string(node.asText(), out);
      default -> throw new IllegalArgumentException("not JSON: " + node.getNodeType());
    }
  }

  private static void numberNode(JsonNode node, StringBuilder out) {
    // An integer literal a double cannot hold exactly keeps its digits: RFC 8785 would round it to
    // a double, and then a changed account number or id could keep its link (our one extension).
    // Only integer literals: what a verifier's JSON parser reads as an integer (Python's int).
    if (node.isIntegralNumber() && !node.isInt()) {
      java.math.BigInteger exact = node.bigIntegerValue();
      if (exact.abs().compareTo(MAX_EXACT) > 0) {
        out.append(exact);
        return;
      }
    }
    double value = node.isBigDecimal() ? node.decimalValue().doubleValue() : node.doubleValue();
    if (!Double.isFinite(value)) {
      // What the journal's mapper writes for them (quoted), and reads back as text: the same link.
      string(Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity", out);
      return;
    }
    out.append(number(value));
  }

  /** 2^53: integers up to it are doubles exactly. */
  private static final java.math.BigInteger MAX_EXACT = java.math.BigInteger.TWO.pow(53);

  private static void string(String value, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            unicodeEscape(c, out);
          } else if (Character.isHighSurrogate(c) && i + 1 < value.length()
              && Character.isLowSurrogate(value.charAt(i + 1))) {
            out.append(c).append(value.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            unicodeEscape(c, out); // a lone surrogate has no UTF-8 form
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void unicodeEscape(char c, StringBuilder out) {
    out.append("\\u");
    String hex = Integer.toHexString(c);
    out.append("0".repeat(4 - hex.length())).append(hex);
  }

  /** ECMAScript's {@code Number.prototype.toString()} of {@code value} (RFC 8785, section 3.2.2.3). */
  public static String number(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("JSON has no " + value);
    }
    if (value == 0) {
      return "0"; // minus zero too
    }
    if (value < 0) {
      return "-" + number(-value);
    }
    if (value < 0x1p53 && value == Math.rint(value)) {
      return Long.toString((long) value); // an integer a double holds exactly: its digits, as ECMAScript writes them
    }
    Shortest shortest = Shortest.of(value);
    String digits = shortest.digits();
    int k = digits.length();
    int n = shortest.pointPosition();
    if (k <= n && n <= 21) {
      return digits + "0".repeat(n - k);
    }
    if (0 < n && n <= 21) {
      return digits.substring(0, n) + "." + digits.substring(n);
    }
    if (-6 < n && n <= 0) {
      return "0." + "0".repeat(-n) + digits;
    }
    int exponent = n - 1;
    String sign = exponent < 0 ? "-" : "+";
    String mantissa = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return mantissa + "e" + sign + Math.abs(exponent);
  }

  /**
   * The fewest decimal digits that read back as {@code value} (positive, finite), and where the
   * decimal point goes: value = 0.{@code digits} x 10^{@code pointPosition}. Of two candidates
   * with that many digits, the one nearer the exact value wins, and on a tie the even one.
   */
  record Shortest(String digits, int pointPosition) {
    static Shortest of(double value) {
      BigDecimal exact = new BigDecimal(value);
      // Double.toString always reads back, so the fewest digits are at most its count; and if p
      // digits can read back so can p + 1 (append a zero): step down from there while they still do.
      int precision = significantDigits(Double.toString(value));
      BigDecimal best = nearest(exact, value, precision);
      while (precision > 1) {
        BigDecimal shorter = nearest(exact, value, precision - 1);
        if (shorter == null) {
          break;
        }
        best = shorter;
        precision--;
      }
      if (best == null) {
        throw new IllegalStateException("Double.toString's digits read back: " + value);
      }
      BigDecimal stripped = best.stripTrailingZeros();
      String digits = stripped.unscaledValue().toString();
      return new Shortest(digits, digits.length() - stripped.scale());
    }

    /** Of the {@code precision}-digit decimals that read back as {@code value}, the nearest (even on a tie). */
    private static BigDecimal nearest(BigDecimal exact, double value, int precision) {
      BigDecimal best = null;
      // Only the neighbours below and above can read back: any other lies outside them.
      for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
        BigDecimal candidate = exact.round(new MathContext(precision, mode));
        if (candidate.doubleValue() != value) {
          continue;
        }
        if (best == null) {
          best = candidate;
          continue;
        }
        int nearer = candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs());
        if (nearer < 0 || (nearer == 0 && lastDigitEven(candidate) && !lastDigitEven(best))) {
          best = candidate;
        }
      }
      return best;
    }

    private static int significantDigits(String javaText) {
      String mantissa = javaText.contains("E") ? javaText.substring(0, javaText.indexOf('E')) : javaText;
      String digits = mantissa.replace(".", "").replaceFirst("^0+", "");
      digits = digits.replaceFirst("0+$", "");
      return Math.max(1, Math.min(17, digits.length()));
    }

    private static boolean lastDigitEven(BigDecimal decimal) {
      return !decimal.unscaledValue().testBit(0);
    }
  }
}
