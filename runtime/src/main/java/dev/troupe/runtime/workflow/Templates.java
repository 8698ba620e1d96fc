package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves step inputs against a scope. Pure. A string that is exactly {@code "${path}"} becomes
 * the value at the path (of any JSON type); {@code ${path}} inside a longer string is replaced by
 * the value's text. A path that leads nowhere resolves to null. Paths are dotted names with
 * optional array indexes: {@code steps.draft.output.items[0].body}.
 */
public final class Templates {
  static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]+)}");
  static final Pattern PATH = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*(\\[\\d+])*(\\.[A-Za-z_][A-Za-z0-9_-]*(\\[\\d+])*)*");

  private Templates() {}

  public static JsonNode resolve(JsonNode template, JsonNode scope) {
    if (template == null) {
      return null;
    }
    if (template.isTextual()) {
      String text = template.asText();
      Matcher whole = REFERENCE.matcher(text);
      if (whole.matches()) {
        JsonNode value = lookup(scope, whole.group(1).strip());
        return value == null ? JsonNodeFactory.instance.nullNode() : value.deepCopy();
      }
      Matcher parts = REFERENCE.matcher(text);
      StringBuilder out = new StringBuilder();
      while (parts.find()) {
        JsonNode value = lookup(scope, parts.group(1).strip());
        String replacement = value == null || value.isNull() ? "" : value.isValueNode() ? value.asText() : value.toString();
        parts.appendReplacement(out, Matcher.quoteReplacement(replacement));
      }
      parts.appendTail(out);
      return JsonNodeFactory.instance.textNode(out.toString());
    }
    if (template.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      template.properties().forEach(field -> out.set(field.getKey(), resolve(field.getValue(), scope)));
      return out;
    }
    if (template.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      template.forEach(element -> out.add(resolve(element, scope)));
      return out;
    }
    return template.deepCopy();
  }

  /** The value at {@code path} in {@code scope}, or null. */
  public static JsonNode lookup(JsonNode scope, String path) {
    JsonNode node = scope;
    for (String part : path.split("\\.")) {
      if (node == null) {
        return null;
      }
      int bracket = part.indexOf('[');
      String name = bracket < 0 ? part : part.substring(0, bracket);
      node = node.get(name);
      while (bracket >= 0 && node != null) {
        int close = part.indexOf(']', bracket);
        node = node.get(Integer.parseInt(part.substring(bracket + 1, close)));
        bracket = part.indexOf('[', close);
      }
    }
    return node == null || node.isMissingNode() ? null : node;
  }

  /** Every path a template refers to, in order. */
  public static List<String> references(JsonNode template) {
    List<String> out = new ArrayList<>();
    collect(template, out);
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node == null) {
      return;
    }
    if (node.isTextual()) {
      Matcher m = REFERENCE.matcher(node.asText());
      while (m.find()) {
        out.add(m.group(1).strip());
      }
    } else if (node.isContainerNode()) {
      node.forEach(child -> collect(child, out));
    }
  }

  /** JSON equality that treats 1, 1.0 and 1.00 as the same number. */
  static boolean sameValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }
}
