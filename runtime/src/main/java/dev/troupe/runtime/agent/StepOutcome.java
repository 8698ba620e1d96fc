package dev.troupe.runtime.agent;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/** How an agent's step ended. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({
  @JsonSubTypes.Type(value = StepOutcome.Completed.class, name = "completed"),
  @JsonSubTypes.Type(value = StepOutcome.Failed.class, name = "failed")
})
public sealed interface StepOutcome {
  /** The step produced {@code output}; {@code confidence} is the agent's own, 0..1. */
  record Completed(JsonNode output, double confidence) implements StepOutcome {
    public Completed {
      if (output == null || !output.isObject()) {
        throw new IllegalArgumentException("output must be a JSON object");
      }
      if (!(confidence >= 0.0 && confidence <= 1.0)) {
        throw new IllegalArgumentException("confidence must be 0..1, was " + confidence);
      }
    }
  }

  /** The step failed; a retryable failure may be tried again, a permanent one never. */
  record Failed(String reason, boolean retryable) implements StepOutcome {}

  static StepOutcome completed(JsonNode output, double confidence) {
    return new Completed(output, confidence);
  }

  static StepOutcome retryable(String reason) {
    return new Failed(reason, true);
  }

  static StepOutcome permanent(String reason) {
    return new Failed(reason, false);
  }
}
