package dev.troupe.sdk;

import java.util.concurrent.CompletionStage;

/**
 * The provider SPI: one model behind an asynchronous call. Implementations must not park a
 * thread per call in flight; a blocking client belongs on a dedicated executor.
 */
public interface ModelClient {
  /** The model's name as recorded in the journal, e.g. {@code local}. */
  String name();

  CompletionStage<ModelReply> complete(ModelRequest request);

  /** What the model charges; a task budget reserves a call's worst case at these prices. */
  default ModelPricing pricing() {
    return ModelPricing.FREE;
  }
}
