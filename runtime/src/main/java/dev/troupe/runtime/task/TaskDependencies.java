package dev.troupe.runtime.task;

import dev.troupe.config.SupervisionSettings;
import dev.troupe.config.TaskSettings;
import dev.troupe.persistence.AuditChain;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.tool.ToolRegistry;
import java.time.Clock;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;

/** What every task entity needs from the node it runs on. */
public record TaskDependencies(
    TaskSettings settings,
    SupervisionSettings supervision,
    ActorRef<MarketplaceRegistry.Command> registry,
    AgentGateway agents,
    ChildTasks children,
    ToolRegistry tools,
    AuditChain chain,
    Clock clock,
    Executor toolExecutor,
    dev.troupe.runtime.budget.Budgets budgets,
    dev.troupe.runtime.guard.Redactor redactor,
    dev.troupe.runtime.guard.Quarantine quarantine) {

  /** Without a node's quarantine (a task entity on its own, in tests). */
  public TaskDependencies(TaskSettings settings, SupervisionSettings supervision,
      ActorRef<MarketplaceRegistry.Command> registry, AgentGateway agents, ChildTasks children, ToolRegistry tools,
      AuditChain chain, Clock clock, Executor toolExecutor, dev.troupe.runtime.budget.Budgets budgets,
      dev.troupe.runtime.guard.Redactor redactor) {
    this(settings, supervision, registry, agents, children, tools, chain, clock, toolExecutor, budgets, redactor,
        dev.troupe.runtime.guard.Quarantine.unwalked());
  }
}
