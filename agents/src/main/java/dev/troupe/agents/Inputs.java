package dev.troupe.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a step's input fields; a missing or wrong field is the caller's error (a permanent failure). */
final class Inputs {
  private Inputs() {}

  /** A bad input: the step fails permanently with this message (it need not be caught). */
  static final class Invalid extends dev.troupe.sdk.InvalidInputException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  static String text(JsonNode input, String field) throws Invalid {
    JsonNode value = input.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new Invalid("input." + field + " must be a non-empty string");
    }
    return value.asText();
  }

  static Optional<String> optionalText(JsonNode input, String field) {
    JsonNode value = input.get(field);
    return value != null && value.isTextual() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
  }

  static List<String> texts(JsonNode input, String field) throws Invalid {
    JsonNode value = input.get(field);
    if (value == null || !value.isArray() || value.isEmpty()) {
      throw new Invalid("input." + field + " must be a non-empty array of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      if (!value.get(i).isTextual() || value.get(i).asText().isBlank()) {
        throw new Invalid("input." + field + "[" + i + "] must be a non-empty string");
      }
      out.add(value.get(i).asText());
    }
    return out;
  }
}
