package dev.troupe.runtime.effect;

import dev.troupe.runtime.PlainFutures;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Where agents claim and settle their calls of non-idempotent tools: the task's
 * {@link EffectLedgerEntity}, wherever in the cluster it lives.
 */
public interface EffectLedger {
  CompletionStage<EffectLedgerState.Decision> claim(String taskId, String traceId, EffectLedgerState.Claim claim);

  CompletionStage<Done> settle(String taskId, String traceId, EffectEvent.EffectSettled settled);

  /** Gives back {@code claim} if it is still open and its agent's: the call was never made. */
  CompletionStage<Done> release(String taskId, String traceId, EffectLedgerState.Claim claim);

  static EffectLedger sharded(ClusterSharding sharding, Duration timeout) {
    return new EffectLedger() {
      @Override
      public CompletionStage<EffectLedgerState.Decision> claim(String taskId, String traceId,
          EffectLedgerState.Claim claim) {
        return PlainFutures.of(sharding.entityRefFor(EffectLedgerEntity.ENTITY_TYPE_KEY, taskId)
            .<EffectLedgerState.Decision>ask(replyTo -> new EffectLedgerEntity.Claim(claim, traceId, replyTo), timeout));
      }

      @Override
      public CompletionStage<Done> settle(String taskId, String traceId, EffectEvent.EffectSettled settled) {
        return PlainFutures.of(sharding.entityRefFor(EffectLedgerEntity.ENTITY_TYPE_KEY, taskId)
            .<Done>ask(replyTo -> new EffectLedgerEntity.Settle(settled, traceId, replyTo), timeout));
      }

      @Override
      public CompletionStage<Done> release(String taskId, String traceId, EffectLedgerState.Claim claim) {
        return PlainFutures.of(sharding.entityRefFor(EffectLedgerEntity.ENTITY_TYPE_KEY, taskId)
            .<Done>ask(replyTo -> new EffectLedgerEntity.Release(claim, traceId, replyTo), timeout));
      }
    };
  }
}
