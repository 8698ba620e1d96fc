package dev.troupe.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slow tool that is not idempotent (every call is another message), for the graceful-stop
 * tests: {@link #SENT} counts the calls that happened, across nodes started in one JVM.
 */
public final class SlowSendTool implements Tool {
  public static final AtomicInteger SENT = new AtomicInteger();
  private static final ToolSpec SPEC = new ToolSpec("test.slow-send", "Sends, slowly.",
      JsonNodeFactory.instance.objectNode().put("type", "object"), true, false, Duration.ofSeconds(10));

  @Override
  public ToolSpec spec() {
    return SPEC;
  }

  @Override
  public CompletionStage<JsonNode> call(ToolCall call) {
    return CompletableFuture.supplyAsync(() -> {
      SENT.incrementAndGet();
      return JsonNodeFactory.instance.objectNode().put("sent", true);
    }, CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS));
  }
}
