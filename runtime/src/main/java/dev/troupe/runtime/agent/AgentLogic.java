package dev.troupe.runtime.agent;

import java.util.concurrent.CompletionStage;

/**
 * An agent's code: one step in, one outcome out. It runs on Troupe's agent dispatcher, never
 * on an actor's thread; an exception or a failed stage fails the step as retryable.
 */
@FunctionalInterface
public interface AgentLogic {
  CompletionStage<StepOutcome> run(StepContext step);
}
