package dev.troupe.runtime.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolSpec;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Every tool a node offers, each with its compiled input schema. Immutable. */
public final class ToolRegistry {
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private record Entry(Tool tool, JsonSchema schema) {}

  private final Map<String, Entry> tools;

  public ToolRegistry(Collection<? extends Tool> tools) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Tool tool : tools) {
      ToolSpec spec = tool.spec();
      JsonSchema schema;
      try {
        schema = SCHEMAS.getSchema(spec.inputSchema());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("tool " + spec.name() + " has an invalid input schema: " + e.getMessage(), e);
      }
      if (entries.put(spec.name(), new Entry(tool, schema)) != null) {
        throw new IllegalArgumentException("two tools are named " + spec.name());
      }
    }
    this.tools = Map.copyOf(entries);
  }

  public static ToolRegistry empty() {
    return new ToolRegistry(List.of());
  }

  public Optional<Tool> tool(String name) {
    return Optional.ofNullable(tools.get(name)).map(Entry::tool);
  }

  public Set<String> names() {
    return new TreeSet<>(tools.keySet());
  }

  /** The schema errors of {@code input} for {@code tool}, sorted; empty when it is valid. */
  public List<String> validate(String tool, JsonNode input) {
    Entry entry = tools.get(tool);
    if (entry == null) {
      return List.of("unknown tool " + tool);
    }
    Set<ValidationMessage> errors = entry.schema().validate(input);
    return errors.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.toList());
  }
}
