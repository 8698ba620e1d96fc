package dev.troupe.runtime.task;

import dev.troupe.persistence.TroupeSerializable;
import dev.troupe.runtime.workflow.WorkflowDefinition;

/** A workflow definition at the version a task runs. */
public record PinnedWorkflow(String name, int version, WorkflowDefinition definition) implements TroupeSerializable {}
