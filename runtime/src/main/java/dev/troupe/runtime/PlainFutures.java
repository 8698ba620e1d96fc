package dev.troupe.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Pekko's Java API hands out Scala futures as {@code CompletionStage}s whose plain stages
 * ({@code thenApply}, {@code whenComplete}, …) run as {@code *Async} on the JDK's default executor.
 * On a machine with two cores that executor starts a new thread for every stage (the common pool
 * has parallelism 1), so each ask would cost a thread. This turns such a stage into a plain
 * {@link CompletableFuture}, completed on the thread that completes the ask, whose later stages
 * run where their caller says.
 */
public final class PlainFutures {
  private PlainFutures() {}

  public static <T> CompletableFuture<T> of(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    // An explicit executor that runs in place: no thread is started, and completing is all it does.
    stage.whenCompleteAsync((value, error) -> {
      if (error != null) {
        plain.completeExceptionally(error);
      } else {
        plain.complete(value);
      }
    }, Runnable::run);
    return plain;
  }
}
