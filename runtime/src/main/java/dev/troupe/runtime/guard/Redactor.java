package dev.troupe.runtime.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.config.RedactionSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks sensitive values in JSON: every match of a configured pattern inside a string (keys
 * included) becomes {@code [REDACTED:<name>]}. Pure and thread-safe; the input is never changed.
 */
public final class Redactor {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** One named pattern; {@code accept} can veto a match (the Luhn check for card numbers). */
  private record Rule(String name, Pattern pattern, Predicate<String> accept) {}

  /** The masked JSON, and how many values of each pattern were masked (empty when none). */
  public record Redacted(JsonNode json, Map<String, Integer> counts) {
    public boolean changed() {
      return !counts.isEmpty();
    }

    /** E.g. {@code ["email x2", "secret x1"]}, for the journal. */
    public List<String> summary(String where) {
      List<String> out = new ArrayList<>();
      counts.forEach((name, n) -> out.add(where + ": " + name + " x" + n));
      return out;
    }
  }

  public static final Redactor NONE = new Redactor(List.of());

  private final List<Rule> rules;

  private Redactor(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public static Redactor of(RedactionSettings settings) {
    List<Rule> rules = new ArrayList<>();
    for (String name : settings.builtIn()) {
      rules.add(switch (name) {
        case "email" -> new Rule(name, Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}"),
            match -> true);
        // Standing alone, not inside an id or a hash (tsk_5a31..., a SHA-256 hex string).
        case "card-number" -> new Rule(name,
            Pattern.compile("(?<![0-9A-Za-z_])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_])"), Redactor::passesLuhn);
        case "secret" -> new Rule(name, Pattern.compile("(?i)(?:\\bbearer\\s+[A-Za-z0-9._~+/-]{16,}=*"
            + "|\\b(?:sk|pk|rk|api|key|token|secret)[-_][A-Za-z0-9_-]{16,}|\\bAKIA[0-9A-Z]{16}\\b"
            + "|\\bgh[pousr]_[A-Za-z0-9]{30,})"), match -> true);
        default -> throw new IllegalArgumentException("no built-in redaction pattern " + name);
      });
    }
    settings.custom().forEach(custom -> rules.add(new Rule(custom.name(), custom.regex(), match -> true)));
    return new Redactor(rules);
  }

  public boolean isEnabled() {
    return !rules.isEmpty();
  }

  public Redacted redact(JsonNode node) {
    if (node == null || rules.isEmpty()) {
      return new Redacted(node, Map.of());
    }
    Map<String, Integer> counts = new TreeMap<>();
    JsonNode out = walk(node, counts);
    return new Redacted(counts.isEmpty() ? node : out, Map.copyOf(counts));
  }

  /** A text, masked (null stays null). */
  public String redactText(String text) {
    return text == null || rules.isEmpty() ? text : redact(text, new TreeMap<>());
  }

  /** A string, masked. */
  public String redact(String text, Map<String, Integer> counts) {
    String out = text;
    for (Rule rule : rules) {
      Matcher matcher = rule.pattern().matcher(out);
      StringBuilder masked = new StringBuilder();
      boolean any = false;
      while (matcher.find()) {
        if (rule.accept().test(matcher.group())) {
          matcher.appendReplacement(masked, Matcher.quoteReplacement("[REDACTED:" + rule.name() + "]"));
          counts.merge(rule.name(), 1, Integer::sum);
          any = true;
        }
      }
      if (any) {
        matcher.appendTail(masked);
        out = masked.toString();
      }
    }
    return out;
  }

  private JsonNode walk(JsonNode node, Map<String, Integer> counts) {
    if (node.isTextual()) {
      return JSON.textNode(redact(node.asText(), counts));
    }
    if (node.isIntegralNumber()) {
      // A card number sent as a JSON number is still a card number.
      String digits = node.bigIntegerValue().toString();
      String masked = redact(digits, counts);
      return masked.equals(digits) ? node : JSON.textNode(masked);
    }
    if (node.isObject()) {
      ObjectNode out = JSON.objectNode();
      node.properties().forEach(field -> {
        String key = redact(field.getKey(), counts);
        // Two keys that mask alike must not overwrite each other.
        String unique = key;
        for (int n = 2; out.has(unique); n++) {
          unique = key + "#" + n;
        }
        out.set(unique, walk(field.getValue(), counts));
      });
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JSON.arrayNode();
      node.forEach(element -> out.add(walk(element, counts)));
      return out;
    }
    return node;
  }

  /** The card-number check digit: random digit runs (order ids, phone numbers) mostly fail it. */
  static boolean passesLuhn(String candidate) {
    String digits = candidate.replaceAll("[^0-9]", "");
    int sum = 0;
    boolean twice = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (twice) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      twice = !twice;
    }
    return sum % 10 == 0;
  }
}
