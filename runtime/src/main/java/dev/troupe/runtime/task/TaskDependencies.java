package dev.troupe.runtime.task;

import dev.troupe.config.SupervisionSettings;
import dev.troupe.config.TaskSettings;
import dev.troupe.persistence.AuditChain;
import dev.troupe.runtime.agent.AgentDirectory;
import java.time.Clock;

/** What every task entity needs from the node it runs on. */
public record TaskDependencies(
    TaskSettings settings, SupervisionSettings supervision, AgentDirectory agents, AuditChain chain, Clock clock) {}
