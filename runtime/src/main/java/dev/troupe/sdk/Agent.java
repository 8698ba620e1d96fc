package dev.troupe.sdk;

import java.util.concurrent.CompletionStage;

/**
 * A narrow-role agent, written as one class: what it is ({@link #definition()}) and what it does
 * with one step ({@link #run(StepContext)}). Register it in code
 * ({@code new AgentRegistration(new MyAgent(), 2)}) or in configuration
 * ({@code troupe.agents.registrations = [{ class = "com.acme.MyAgent", instances = 2 }]}, which
 * needs a public no-argument constructor).
 *
 * <p>{@code run} is called on Troupe's agent dispatcher, never on an actor's thread. Return an
 * asynchronous stage where you can; blocking is tolerated there but holds a worker thread. An
 * exception, a failed stage or a stage that does not finish within the step timeout fails the
 * step as retryable; the agent keeps serving other steps.
 */
public interface Agent {
  AgentDefinition definition();

  CompletionStage<StepOutcome> run(StepContext step);

  /** An agent from a definition and a function, for small agents and tests. */
  static Agent of(AgentDefinition definition, java.util.function.Function<StepContext, CompletionStage<StepOutcome>> run) {
    java.util.Objects.requireNonNull(definition, "definition");
    java.util.Objects.requireNonNull(run, "run");
    return new Agent() {
      @Override
      public AgentDefinition definition() {
        return definition;
      }

      @Override
      public CompletionStage<StepOutcome> run(StepContext step) {
        return run.apply(step);
      }

      @Override
      public String toString() {
        return "Agent[" + definition.type() + "]";
      }
    };
  }
}
