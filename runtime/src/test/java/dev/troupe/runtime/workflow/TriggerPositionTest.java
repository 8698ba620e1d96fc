package dev.troupe.runtime.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditChain;
import dev.troupe.persistence.AuditContext;
import dev.troupe.persistence.AuditHasher;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The router's position: what replay after a crash reads again, and what it must not journal twice. */
class TriggerPositionTest {
  private static final AuditChain CHAIN = new AuditChain(new AuditHasher(new ObjectMapper().findAndRegisterModules()));
  private TriggerRouter.Position position = new TriggerRouter.Position(0, ChainHead.EMPTY);

  private void apply(WorkflowEvent event) {
    JournalEntry entry = CHAIN.after(position.chainHead())
        .add(new AuditContext(Instant.EPOCH, AuditActor.system("triggers"), null, null), event).entries().get(0);
    position = position.apply(entry);
  }

  @Test
  void aRefusalIsRememberedAcrossSavesAndTheOldestAreForgottenPastTheLimit() {
    apply(new WorkflowEvent.TriggerRefused("chain-3", "tsk_2", 3, "too deep"));
    assertTrue(position.refused("chain-3", "tsk_2"));
    assertFalse(position.refused("chain-3", "tsk_other"));
    assertFalse(position.refused("chain-4", "tsk_2"));

    // Saves do not forget it: whether a save covered its source event depends on timing.
    apply(new WorkflowEvent.TriggerOffsetAdvanced(10));
    apply(new WorkflowEvent.TriggerOffsetAdvanced(20));
    assertTrue(position.refused("chain-3", "tsk_2"));
    assertEquals(20, position.offset());

    for (int i = 0; i < TriggerRouter.Position.REFUSALS_KEPT; i++) {
      apply(new WorkflowEvent.TriggerRefused("chain-3", "tsk_later_" + i, 3, "too deep"));
    }
    assertFalse(position.refused("chain-3", "tsk_2"), "the oldest is forgotten past the limit");
    assertTrue(position.refused("chain-3", "tsk_later_0"));
    assertEquals(TriggerRouter.Position.REFUSALS_KEPT, position.recentRefusals().size());
  }
}
