package dev.troupe.sdk;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** How an agent's step ended. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({
  @JsonSubTypes.Type(value = StepOutcome.Completed.class, name = "completed"),
  @JsonSubTypes.Type(value = StepOutcome.Failed.class, name = "failed"),
  @JsonSubTypes.Type(value = StepOutcome.Escalate.class, name = "escalate"),
  @JsonSubTypes.Type(value = StepOutcome.ProposeAction.class, name = "propose")
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

  /** The agent is stuck and asks for a human. */
  record Escalate(String reason) implements StepOutcome {
    public Escalate {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The agent proposes a tool call the runtime must gate (an irreversible tool, or one that needs
   * approval). Nothing runs until a human approves exactly this action.
   */
  record ProposeAction(String tool, JsonNode input, String reason) implements StepOutcome {
    public ProposeAction {
      Objects.requireNonNull(tool, "tool");
      if (input == null || !input.isObject()) {
        throw new IllegalArgumentException("input must be a JSON object");
      }
      Objects.requireNonNull(reason, "reason");
    }
  }

  static StepOutcome completed(JsonNode output, double confidence) {
    return new Completed(output, confidence);
  }

  static StepOutcome retryable(String reason) {
    return new Failed(reason, true);
  }

  static StepOutcome permanent(String reason) {
    return new Failed(reason, false);
  }

  static StepOutcome escalate(String reason) {
    return new Escalate(reason);
  }

  static StepOutcome propose(String tool, JsonNode input, String reason) {
    return new ProposeAction(tool, input, reason);
  }
}
