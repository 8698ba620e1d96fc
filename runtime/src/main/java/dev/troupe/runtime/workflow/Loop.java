package dev.troupe.runtime.workflow;

/**
 * A bounded loop: run the step again until {@code until} holds on its output (as
 * {@code steps.<id>.output}), at most {@code max} times. The input of each run is resolved anew,
 * with the previous run's output as {@code steps.<id>.output}; a run whose input is identical to
 * an earlier run's is stopped as a repeated call instead of being sent again.
 */
public record Loop(Condition until, Integer max) {}
