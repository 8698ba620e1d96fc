package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.ToolCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stand-ins for CRM, billing and e-mail. */
class ToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dataDir;

  @Test
  void aRepeatedCallWithTheSameKeyReturnsTheFirstResultAndWritesOnce() throws Exception {
    var email = new dev.troupe.agents.tools.EmailSendTool(dataDir, Clock.systemUTC());
    JsonNode message = JSON.readTree("{\"to\":\"a@acme.test\",\"subject\":\"Hi\",\"body\":\"Hello.\"}");
    JsonNode first = email.call(new ToolCall("t", "t.main", "outreach-sender-1", "t.main/approved-1", message))
        .toCompletableFuture().join();
    JsonNode second = email.call(new ToolCall("t", "t.main", "outreach-sender-1", "t.main/approved-1", message))
        .toCompletableFuture().join();
    assertEquals(first, second);
    try (var files = Files.list(dataDir.resolve("outbox"))) {
      assertEquals(1, files.count());
    }
    JsonNode other = email.call(new ToolCall("t", "t.main", "outreach-sender-1", "t.main/approved-2", message))
        .toCompletableFuture().join();
    assertFalse(first.equals(other));
  }

  @Test
  void theToolsSchemasRejectBadInput() throws Exception {
    ToolRegistry tools = new ToolRegistry(BuiltIns.tools(dataDir, Clock.systemUTC()));
    assertEquals(List.of(), tools.validate("email.send",
        JSON.readTree("{\"to\":\"a@acme.test\",\"subject\":\"Hi\",\"body\":\"x\"}")));
    assertFalse(tools.validate("email.send", JSON.readTree("{\"to\":\"nobody\",\"subject\":\"Hi\",\"body\":\"x\"}")).isEmpty());
    assertFalse(tools.validate("billing.trigger", JSON.readTree("{\"client\":\"A\",\"amountEur\":0,\"plan\":\"monthly\"}")).isEmpty());
    assertFalse(tools.validate("crm.record", JSON.readTree("{\"client\":\"A\",\"status\":\"vip\"}")).isEmpty());
    assertTrue(tools.tool("crm.record").orElseThrow().spec().reversible());
    assertFalse(tools.tool("billing.trigger").orElseThrow().spec().reversible());
    assertFalse(tools.tool("email.send").orElseThrow().spec().reversible());
  }
}
