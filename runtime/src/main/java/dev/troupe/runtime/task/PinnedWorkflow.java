package dev.troupe.runtime.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import dev.troupe.runtime.workflow.WorkflowKey;

/**
 * A workflow definition at the version a task runs. {@code owner} is the tenant whose workflow it
 * is, or null for a shared (built-in) one; tasks journaled before workflows had owners read as
 * shared, which is what they ran.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PinnedWorkflow(String name, int version, WorkflowDefinition definition, String owner)
    implements TroupeSerializable {

  /** A shared workflow's version. */
  public PinnedWorkflow(String name, int version, WorkflowDefinition definition) {
    this(name, version, definition, null);
  }

  @JsonIgnore
  public WorkflowKey key() {
    return new WorkflowKey(owner, name);
  }
}
