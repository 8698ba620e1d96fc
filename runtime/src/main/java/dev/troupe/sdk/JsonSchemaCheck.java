package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.List;

/** A JSON schema (draft 2020-12), compiled once, that checks values against itself. */
public final class JsonSchemaCheck {
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  /** Draft 2020-12's own meta-schema (bundled with the validator): what a schema must be. */
  private static final JsonSchema META = SCHEMAS.getSchema(
      com.networknt.schema.SchemaLocation.of(com.networknt.schema.SchemaId.V202012));

  private final JsonSchema schema;

  private JsonSchemaCheck(JsonSchema schema) {
    this.schema = schema;
  }

  /** @throws IllegalArgumentException if {@code schema} is not a usable JSON schema */
  public static JsonSchemaCheck of(JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      throw new IllegalArgumentException("a JSON schema must be an object");
    }
    List<String> wrong = META.validate(schema).stream().map(ValidationMessage::getMessage).sorted().toList();
    if (!wrong.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", wrong));
    }
    try {
      return new JsonSchemaCheck(SCHEMAS.getSchema(schema));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a usable JSON schema: " + e.getMessage(), e);
    }
  }

  /** What is wrong with {@code value}, one message per problem; empty if it matches. */
  public List<String> problems(JsonNode value) {
    return schema.validate(value).stream().map(ValidationMessage::getMessage).sorted().toList();
  }
}
