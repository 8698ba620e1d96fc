package dev.troupe.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 8785 against the RFC's own examples (sections 3.2.2 and 3.2.3) and number table (Appendix B). */
class JcsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private static String canonical(String json) throws Exception {
    return new String(Jcs.bytes(MAPPER.readTree(json)), StandardCharsets.UTF_8);
  }

  @Test
  void theRfcsExampleOfValues() throws Exception {
    String input = "{\n"
        + "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
        + "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
        + "  \"literals\": [null, true, false]\n"
        + "}";
    assertEquals("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}", canonical(input));
  }

  @Test
  void theRfcsExampleOfSortingByUtf16CodeUnits() throws Exception {
    String input = "{\n"
        + "  \"\\u20ac\": \"Euro Sign\",\n"
        + "  \"\\r\": \"Carriage Return\",\n"
        + "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
        + "  \"1\": \"One\",\n"
        + "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
        + "  \"\\u0080\": \"Control\",\n"
        + "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
        + "}";
    assertEquals("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
        + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
        + "\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
        canonical(input));
  }

  @Test
  void nestingWhitespaceAndLocaleFreeOrder() throws Exception {
    assertEquals("{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},"
            + "\"111\":[{\"E\":\"no\",\"e\":\"yes\"}],\"A\":{\"b\":\"123\"},\"a\":{}}",
        canonical("{\"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0}, \"10\": { }, \"\": \"empty\","
            + " \"a\": { }, \"111\": [ {\"e\": \"yes\",\"E\": \"no\" } ], \"A\": {\"b\": \"123\"}}"));
    assertEquals("{\"peach\":1,\"p\u00e9ch\u00e9\":2,\"p\u00eache\":3,\"sin\":4}",
        canonical("{\"sin\":4,\"p\u00eache\":3,\"p\u00e9ch\u00e9\":2,\"peach\":1}"));
  }

  @Test
  void theShortestDigitsAreFoundForManyDoubles() {
    // Beside Appendix B: what ECMAScript writes, for doubles around the cases that trip searches.
    assertEquals("0.1", Jcs.number(0.1));
    assertEquals("0.30000000000000004", Jcs.number(0.1 + 0.2));
    assertEquals("1.7976931348623157e+308", Jcs.number(Double.MAX_VALUE));
    assertEquals("2.2250738585072014e-308", Jcs.number(Double.MIN_NORMAL));
    assertEquals("9007199254740994", Jcs.number(0x1p53 + 2));
    assertEquals("1.2676506002282294e+30", Jcs.number(0x1p100));
    assertEquals("123456789012345680000", Jcs.number(123456789012345678901.0));
    assertEquals("2e-7", Jcs.number(2e-7));
  }

  /** RFC 8785 Appendix B: IEEE 754 bit patterns and how ECMAScript writes them. */
  @ParameterizedTest
  @CsvSource({
      "0000000000000000, 0",
      "8000000000000000, 0",
      "0000000000000001, 5e-324",
      "8000000000000001, -5e-324",
      "7fefffffffffffff, 1.7976931348623157e+308",
      "ffefffffffffffff, -1.7976931348623157e+308",
      "4340000000000000, 9007199254740992",
      "c340000000000000, -9007199254740992",
      "4430000000000000, 295147905179352830000",
      "44b52d02c7e14af5, 9.999999999999997e+22",
      "44b52d02c7e14af6, 1e+23",
      "44b52d02c7e14af7, 1.0000000000000001e+23",
      "444b1ae4d6e2ef4e, 999999999999999700000",
      "444b1ae4d6e2ef4f, 999999999999999900000",
      "444b1ae4d6e2ef50, 1e+21",
      "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
      "3eb0c6f7a0b5ed8d, 0.000001",
      "41b3de4355555553, 333333333.3333332",
      "41b3de4355555554, 333333333.33333325",
      "41b3de4355555555, 333333333.3333333",
      "41b3de4355555556, 333333333.3333334",
      "41b3de4355555557, 333333333.33333343",
      "becbf647612f3696, -0.0000033333333333333333",
      "43143ff3c1cb0959, 1424953923781206.2"
  })
  void appendixBNumbers(String bits, String expected) {
    double value = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
    assertEquals(expected, Jcs.number(value), bits);
  }

  @Test
  void notANumberAndInfinityAreNotJson() {
    assertThrows(IllegalArgumentException.class, () -> Jcs.number(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Jcs.number(Double.POSITIVE_INFINITY));
  }

  @Test
  void numbersAreDoublesWhateverJacksonReadThemAs() throws Exception {
    // The cases: the bounds of plain notation; integers past 2^53 keep their digits (our
    // one extension: RFC 8785 would round them to a double, so a changed id could keep its link).
    assertEquals("[9007199254740993,9007199254740992,1e+21,1e-7,4000,0.1,123456789012345678901,-9007199254740993]",
        canonical("[9007199254740993, 9007199254740992, 1e21, 1e-7, 4000.000, 0.10, 123456789012345678901,"
            + " -9007199254740993]"));
    // NaN and infinities are what the journal stores them as: strings.
    var numbers = MAPPER.createArrayNode().add(Double.NaN).add(Double.POSITIVE_INFINITY)
        .add(Double.NEGATIVE_INFINITY).add(new java.math.BigInteger("1" + "0".repeat(400)));
    assertEquals("[\"NaN\",\"Infinity\",\"-Infinity\",1" + "0".repeat(400) + "]", Jcs.text(numbers));
    assertEquals("\"\\ud800x\"", canonical("\"\\ud800x\""), "a lone surrogate stays deterministic");
    assertEquals("\"\u007f\\u001f\"", canonical("\"\\u007f\\u001f\""));
  }
}
