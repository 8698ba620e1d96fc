package dev.troupe.runtime.effect;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.DomainEvent;
import java.util.List;

/**
 * What a task's effect ledger records: the calls of tools that are not idempotent, made by any of
 * the agents that ran the task's steps. Names are persisted identifiers: never rename, only add.
 */
public sealed interface EffectEvent extends DomainEvent {
  /**
   * An agent is about to call {@code tool} under {@code key} ({@code <stepId>/tool-<n>}), for
   * attempt {@code attempt} of the step. Journaled before the call: from here on, until it is
   * settled, the call may or may not have happened.
   */
  record EffectClaimed(String key, String tool, String inputHash, String agentId, int attempt)
      implements EffectEvent {}

  /**
   * How the claimed call ended: {@code ok} with its {@code output} (masked as every journal is;
   * {@code redactions} says what was masked), {@code failed} (the tool answered with an error: no
   * effect, it may be called again), or {@code timeout} (no answer in time: in doubt).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record EffectSettled(String key, String agentId, int attempt, String outcome, JsonNode output,
      List<String> redactions) implements EffectEvent {}
}
