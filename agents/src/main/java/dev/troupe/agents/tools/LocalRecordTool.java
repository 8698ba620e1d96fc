package dev.troupe.agents.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A local stand-in for an external system: each call is written as one JSON file under
 * {@code <data-dir>/<folder>/}, named after the call's idempotency key, so a user can see exactly
 * what would have been sent, and a repeated call with the same key returns the first result
 * instead of acting twice.
 */
abstract class LocalRecordTool implements Tool {
  static final ObjectMapper JSON = JsonMapper.builder().build();

  private final Path folder;
  private final Clock clock;

  LocalRecordTool(Path dataDir, String folder, Clock clock) {
    this.folder = dataDir.resolve(folder);
    this.clock = clock;
  }

  /** The result of a first call, from its input and the id the call is filed under. */
  abstract ObjectNode result(ToolCall call, String id);

  abstract String idPrefix();

  @Override
  public CompletionStage<JsonNode> call(ToolCall call) {
    String id = idPrefix() + HexFormat.of().formatHex(CanonicalJson.sha256()
        .digest(call.idempotencyKey().getBytes(StandardCharsets.UTF_8)), 0, 12);
    Path file = folder.resolve(id + ".json");
    try {
      if (Files.exists(file)) {
        return CompletableFuture.completedFuture(JSON.readTree(file.toFile()).get("result"));
      }
      Files.createDirectories(folder);
      ObjectNode result = result(call, id);
      ObjectNode record = JSON.createObjectNode();
      record.put("tool", spec().name());
      record.put("at", clock.instant().toString());
      record.put("taskId", call.taskId());
      record.put("stepId", call.stepId());
      record.put("agentId", call.agentId());
      record.put("idempotencyKey", call.idempotencyKey());
      record.set("input", call.input());
      record.set("result", result);
      Path temp = Files.createTempFile(folder, id, ".tmp");
      Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      return CompletableFuture.completedFuture(result);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  static JsonNode schema(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ToolSpec spec(String name, String description, String schema, boolean reversible) {
    return new ToolSpec(name, description, schema(schema), reversible, true, java.time.Duration.ofSeconds(5));
  }
}
