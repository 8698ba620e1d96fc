package dev.troupe.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** An event with a JSON payload, hashed as the journal hashes it: through valueToTree. */
  record Event(com.fasterxml.jackson.databind.JsonNode payload) {}

  private static String canonical(ObjectNode payload) {
    return new String(CanonicalJson.bytes(MAPPER, MAPPER.valueToTree(new Event(payload))), StandardCharsets.UTF_8);
  }

  @Test
  void keysAreSortedAtEveryLevel() {
    ObjectNode node = JSON.objectNode();
    node.putObject("b").put("z", 1).put("a", 2);
    node.put("a", "x");
    assertEquals("{\"payload\":{\"a\":\"x\",\"b\":{\"a\":2,\"z\":1}}}", canonical(node));
  }

  @Test
  void aNumberIsWrittenByItsValueSoAStoredDecimalHashesAsItWasWritten() {
    // A payload built with a decimal 4000 is stored as text and read back as the integer 4000.
    ObjectNode written = JSON.objectNode().put("amountEur", new BigDecimal("4000"));
    ObjectNode read = JSON.objectNode().put("amountEur", 4000);
    assertEquals(canonical(read), canonical(written));
    assertEquals(canonical(JSON.objectNode().put("amountEur", 4000.0)), canonical(read));
    assertEquals("{\"payload\":{\"x\":0.1}}", canonical(JSON.objectNode().put("x", new BigDecimal("0.10"))));
    assertEquals(canonical(JSON.objectNode().put("x", 0.1)), canonical(JSON.objectNode().put("x", new BigDecimal("0.1"))));
    assertNotEquals(canonical(JSON.objectNode().put("x", 1)), canonical(JSON.objectNode().put("x", 1.5)));
  }
}
