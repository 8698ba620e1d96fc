package dev.troupe.runtime.tool;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one place a tool is invoked: on the tool executor (tool code may block), bounded by the
 * tool's own timeout. An agent's call and a human-approved action both run through it; what they
 * journal around it is theirs.
 */
public final class ToolRunner {
  private ToolRunner() {}

  /**
   * How a call ended: its output, or the failure (unwrapped) and whether that was the timeout.
   * Never completes exceptionally.
   */
  public record Ran(JsonNode output, Throwable failure, boolean timedOut, long latencyMs) {
    public boolean ok() {
      return failure == null;
    }
  }

  public static CompletableFuture<Ran> run(Tool tool, ToolCall call, Executor executor) {
    long started = System.nanoTime();
    return CompletableFuture
        .supplyAsync(() -> tool.call(call), executor)
        .thenCompose(stage -> stage)
        .toCompletableFuture()
        .orTimeout(tool.spec().timeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle((output, error) -> {
          long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          return new Ran(cause == null ? output : null, cause, cause instanceof TimeoutException, latencyMs);
        });
  }
}
