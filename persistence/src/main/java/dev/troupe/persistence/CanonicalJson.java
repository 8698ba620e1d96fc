package dev.troupe.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * JSON in one byte-exact form: object keys sorted at every level, no whitespace, and every number
 * written by its value alone (4000, 4000.0 and 4.0E3 are one number). Without the last rule a
 * value would hash differently once stored: a decimal 4000 in a payload is read back as the
 * integer 4000.
 */
public final class CanonicalJson {
  private CanonicalJson() {}

  public static byte[] bytes(ObjectMapper mapper, JsonNode node) {
    try {
      return mapper.writeValueAsBytes(sorted(mapper, node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("JSON cannot be written: " + e.getOriginalMessage(), e);
    }
  }

  /** Hex SHA-256 of the canonical form of {@code node}. */
  public static String sha256(ObjectMapper mapper, JsonNode node) {
    return HexFormat.of().formatHex(sha256().digest(bytes(mapper, node)));
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static JsonNode sorted(ObjectMapper mapper, JsonNode node) {
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
      fields.sort(Map.Entry.comparingByKey());
      ObjectNode out = mapper.createObjectNode();
      for (Map.Entry<String, JsonNode> field : fields) {
        out.set(field.getKey(), sorted(mapper, field.getValue()));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = mapper.createArrayNode();
      node.forEach(element -> out.add(sorted(mapper, element)));
      return out;
    }
    boolean notANumber = (node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue());
    if (node.isNumber() && !notANumber) {
      BigDecimal value = node.decimalValue().stripTrailingZeros();
      return value.scale() <= 0 ? BigIntegerNode.valueOf(value.toBigIntegerExact()) : DecimalNode.valueOf(value);
    }
    return node;
  }
}
