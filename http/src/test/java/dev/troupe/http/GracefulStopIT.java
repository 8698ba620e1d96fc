package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.agents.SlowSendTool;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graceful stop lets running steps finish: a slow, non-idempotent tool call in flight when the
 * node is asked to stop completes and is journaled, so after the restart the task is done, not
 * escalated as "in doubt", and the call happened exactly once.
 */
class GracefulStopIT {
  private static final String KEY = "graceful-stop-admin-key-1";
  private static final String CONFIG = String.join("\n",
      "troupe.auth.admin-key = \"" + KEY + "\"",
      "troupe.agents.built-in = off",
      "troupe.agents.tools = [\"dev.troupe.agents.SlowSendTool\"]",
      "troupe.agents.registrations = [ { class = \"dev.troupe.agents.SlowSenderAgent\" } ]");

  @TempDir
  Path dataDir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private JsonNode task(String taskId) throws Exception {
    return ApiJson.MAPPER.readTree(server.get("/v1/tasks/" + taskId, KEY).body());
  }

  @Test
  void aStepRunningWhenTheNodeStopsFinishesFirst() throws Exception {
    server = TestServer.start(dataDir, CONFIG);
    int sentBefore = SlowSendTool.SENT.get();
    String taskId = ApiJson.MAPPER.readTree(server.postJson("/v1/tasks", KEY,
        "{\"capability\": \"test.slow-send\", \"input\": {}}").body()).get("taskId").asText();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!task(taskId).get("status").asText().equals("RUNNING")) {
      assertTrue(System.nanoTime() < deadline, "the step never started");
      Thread.sleep(20);
    }
    Thread.sleep(300); // the tool call is under way: it takes 1.5 s

    server.close(); // graceful: coordinated shutdown
    server = null;
    assertEquals(sentBefore + 1, SlowSendTool.SENT.get(), "the call finished before the node stopped");

    server = TestServer.start(dataDir, CONFIG);
    deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    JsonNode done = task(taskId);
    while (!done.get("status").asText().equals("COMPLETED") && System.nanoTime() < deadline) {
      assertTrue(!done.get("status").asText().equals("ESCALATED"), "left in doubt: " + done);
      Thread.sleep(50);
      done = task(taskId);
    }
    assertEquals("COMPLETED", done.get("status").asText(), done.toString());
    assertEquals(true, done.get("output").get("result").get("sent").asBoolean());
    assertEquals(sentBefore + 1, SlowSendTool.SENT.get(), "sent exactly once");
  }
}
