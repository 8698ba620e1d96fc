package dev.troupe.runtime.workflow;

import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.persistence.TroupeSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A workflow's versions (version n at index n-1) and which one new tasks use. Pure. */
public record WorkflowState(String name, List<WorkflowDefinition> versions, int current, ChainHead chainHead)
    implements TroupeSerializable {
  public WorkflowState {
    versions = List.copyOf(versions);
  }

  public static WorkflowState empty(String name) {
    return new WorkflowState(name, List.of(), 0, ChainHead.EMPTY);
  }

  public boolean exists() {
    return !versions.isEmpty();
  }

  public Optional<WorkflowDefinition> version(int version) {
    return version >= 1 && version <= versions.size() ? Optional.of(versions.get(version - 1)) : Optional.empty();
  }

  public WorkflowState apply(JournalEntry entry) {
    ChainHead head = chainHead.after(entry.stamp());
    WorkflowEvent event = (WorkflowEvent) entry.event();
    if (event instanceof WorkflowEvent.WorkflowVersionRegistered e) {
      List<WorkflowDefinition> more = new ArrayList<>(versions);
      more.add(e.definition());
      return new WorkflowState(name, more, e.version(), head);
    }
    if (event instanceof WorkflowEvent.WorkflowRolledBack e) {
      return new WorkflowState(name, versions, e.toVersion(), head);
    }
    return new WorkflowState(name, versions, current, head); // not a workflow's own event

  }
}
