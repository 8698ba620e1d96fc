package dev.troupe.runtime.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.config.RedactionSettings;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RedactorTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Redactor redactor = Redactor.of(new RedactionSettings(List.of("email", "card-number", "secret"),
      List.of(new RedactionSettings.CustomPattern("iban", Pattern.compile("\\bDE[0-9]{20}\\b")))));

  private static JsonNode json(String text) throws Exception {
    return MAPPER.readTree(text);
  }

  @Test
  void masksEveryPatternInNestedStringsAndCountsThem() throws Exception {
    JsonNode input = json("{\"to\": \"Ann <ann.lee@acme.test>\", \"notes\": [\"card 4111 1111 1111 1111 on file\","
        + " \"key sk_live_abcdefghijklmnop1234\"], \"iban\": \"DE89370400440532013000\", \"n\": 4111111111111111}");
    Redactor.Redacted out = redactor.redact(input);
    assertEquals(json("{\"to\": \"Ann <[REDACTED:email]>\", \"notes\": [\"card [REDACTED:card-number] on file\","
        + " \"key [REDACTED:secret]\"], \"iban\": \"[REDACTED:iban]\", \"n\": \"[REDACTED:card-number]\"}"),
        out.json());
    assertEquals(Map.of("email", 1, "card-number", 2, "secret", 1, "iban", 1), out.counts());
    assertEquals("ann.lee@acme.test", input.get("to").asText().substring(5, 22), "the input is not changed");
  }

  @Test
  void digitRunsThatFailTheCardCheckIdsHashesAndCleanJsonAreLeftAlone() throws Exception {
    // The hash and the id hold Luhn-valid digit runs, but inside a longer token.
    JsonNode clean = json("{\"order\": \"1234 5678 9012 3456\", \"text\": \"nothing to hide\","
        + " \"hash\": \"ab4111111111111111cd\", \"taskId\": \"tsk_4111111111111111\", \"n\": 1234567890123}");
    Redactor.Redacted out = redactor.redact(clean);
    assertFalse(out.changed());
    assertSame(clean, out.json());
    assertFalse(Redactor.NONE.redact(json("{\"to\": \"a@b.test\"}")).changed());
  }

  @Test
  void keysThatMaskAlikeKeepBothValues() throws Exception {
    JsonNode input = json("{\"a@x.test\": 1, \"b@x.test\": 2}");
    assertEquals(json("{\"[REDACTED:email]\": 1, \"[REDACTED:email]#2\": 2}"), redactor.redact(input).json());
  }
}
