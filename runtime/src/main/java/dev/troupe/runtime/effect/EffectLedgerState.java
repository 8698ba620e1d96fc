package dev.troupe.runtime.effect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The calls of non-idempotent tools a task's steps made, by key, on whichever agent made them,
 * for the task's whole life. Pure: the entity, replay and the tests use the same {@link #decide}.
 */
public record EffectLedgerState(Map<String, Call> calls, ChainHead chainHead) implements TroupeSerializable {
  public EffectLedgerState {
    calls = Map.copyOf(calls);
  }

  public static final EffectLedgerState EMPTY = new EffectLedgerState(Map.of(), ChainHead.EMPTY);

  /** A claimed call and, once it ended, how ({@code outcome} null while it may still be running). */
  public record Call(String key, String tool, String inputHash, String agentId, int attempt, String outcome,
      JsonNode output, List<String> redactions) implements TroupeSerializable {
    public Call {
      output = output == null || output.isNull() ? null : output; // a JSON null reads back as NullNode
    }

    boolean isCallOf(String otherTool, String otherInputHash) {
      return tool.equals(otherTool) && inputHash.equals(otherInputHash);
    }
  }

  /** What an agent asks before it calls a tool that is not idempotent. */
  public record Claim(String key, String tool, String inputHash, String agentId, int attempt) {}

  /** What the ledger answers (once what it needed is journaled), and what it journals first, if anything. */
  public sealed interface Decision extends TroupeSerializable {
    /** The call has not happened: {@code claimed} is journaled, then the agent calls under {@code key}. */
    record Go(String key, EffectEvent.EffectClaimed claimed) implements Decision {}

    /** It happened in an earlier attempt, here or on another agent: its output, no second call. */
    record Done(String key, Call call) implements Decision {}

    /** It was claimed and never settled, or timed out: it may or may not have happened. */
    record InDoubt(String key, Call call) implements Decision {}
  }

  /**
   * The key {@code claim}'s call has here. The same position with the same tool and input is the
   * same call. Another call at that position (a model-driven agent may call something else on a
   * retry) is a call of its own, under the position suffixed with a hash of its tool and input.
   */
  public String keyOf(Claim claim) {
    Call prior = calls.get(claim.key());
    if (prior == null || prior.isCallOf(claim.tool(), claim.inputHash())) {
      return claim.key();
    }
    return keyOfAnother(claim.key(), claim.tool(), claim.inputHash());
  }

  /** The key of a call of {@code tool} with {@code inputHash} at a position where another call was made. */
  public static String keyOfAnother(String positionKey, String tool, String inputHash) {
    byte[] both = CanonicalJson.sha256().digest((tool + " " + inputHash).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return positionKey + "-" + java.util.HexFormat.of().formatHex(both, 0, 6);
  }

  /** Whether the agent may make the call now, or has its answer already, or must not make it. */
  public Decision decide(Claim claim) {
    String key = keyOf(claim);
    Call prior = calls.get(key);
    if (prior == null || "failed".equals(prior.outcome())) {
      return new Decision.Go(key, new EffectEvent.EffectClaimed(key, claim.tool(), claim.inputHash(), claim.agentId(),
          claim.attempt()));
    }
    if ("ok".equals(prior.outcome())) {
      return new Decision.Done(key, prior);
    }
    return new Decision.InDoubt(key, prior);
  }

  /**
   * What gives back {@code claim} when its agent never made the call (the ledger's answer was
   * lost): a {@code failed} settlement of its open claim, if it is still that attempt's and open.
   */
  public Optional<EffectEvent.EffectSettled> release(Claim claim) {
    String key = keyOf(claim);
    EffectEvent.EffectSettled released = new EffectEvent.EffectSettled(key, claim.agentId(), claim.attempt(), "failed",
        null, null);
    return settles(released) ? Optional.of(released) : Optional.empty();
  }

  public Optional<Call> call(String key) {
    return Optional.ofNullable(calls.get(key));
  }

  /**
   * Whether {@code settled} ends the call that is claimed now: an agent whose claim was taken over
   * (its call failed and another attempt claimed it again) cannot settle the new claim.
   */
  public boolean settles(EffectEvent.EffectSettled settled) {
    Call claimed = calls.get(settled.key());
    return claimed != null && claimed.outcome() == null && claimed.agentId().equals(settled.agentId())
        && claimed.attempt() == settled.attempt();
  }

  public EffectLedgerState apply(JournalEntry entry) {
    ChainHead head = chainHead.after(entry.stamp());
    Map<String, Call> next = new HashMap<>(calls);
    if (entry.event() instanceof EffectEvent.EffectClaimed e) {
      next.put(e.key(), new Call(e.key(), e.tool(), e.inputHash(), e.agentId(), e.attempt(), null, null, null));
    } else if (entry.event() instanceof EffectEvent.EffectSettled e) {
      Call claimed = next.get(e.key());
      if (claimed != null) {
        next.put(e.key(), new Call(claimed.key(), claimed.tool(), claimed.inputHash(), claimed.agentId(),
            claimed.attempt(), e.outcome(), e.output(), e.redactions()));
      }
    }
    return new EffectLedgerState(next, head);
  }
}
