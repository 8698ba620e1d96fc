package dev.troupe.runtime.agent;

import dev.troupe.config.AgentSettings;
import dev.troupe.config.SupervisionSettings;
import dev.troupe.persistence.AuditChain;
import dev.troupe.runtime.budget.Budgets;
import dev.troupe.runtime.market.MarketplaceRegistry;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.ModelGateway;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;

/** What every agent entity needs from the node it runs on. */
public record AgentDependencies(
    AgentCatalog catalog,
    ModelGateway models,
    ToolRegistry tools,
    Executor executor,
    ActorRef<Topic.Command<MarketplaceRegistry.Command>> marketplace,
    Delegator delegator,
    AgentSettings settings,
    Duration stepTimeout,
    SupervisionSettings supervision,
    AuditChain chain,
    Clock clock,
    Budgets budgets,
    dev.troupe.runtime.guard.Redactor redactor,
    LocalSteps localSteps,
    AgentBulkheads bulkheads,
    dev.troupe.runtime.guard.CircuitBreakers toolBreakers,
    dev.troupe.runtime.guard.ResultCache<com.fasterxml.jackson.databind.JsonNode> toolCache,
    dev.troupe.runtime.effect.EffectLedger effects,
    dev.troupe.runtime.guard.Quarantine quarantine) {

  /** Every agent type's code on {@code executor} (no bulkheads). */
  public AgentDependencies(AgentCatalog catalog, ModelGateway models, ToolRegistry tools, Executor executor,
      ActorRef<Topic.Command<MarketplaceRegistry.Command>> marketplace, Delegator delegator, AgentSettings settings,
      Duration stepTimeout, SupervisionSettings supervision, AuditChain chain, Clock clock, Budgets budgets,
      dev.troupe.runtime.guard.Redactor redactor, LocalSteps localSteps) {
    this(catalog, models, tools, executor, marketplace, delegator, settings, stepTimeout, supervision, chain, clock,
        budgets, redactor, localSteps, AgentBulkheads.shared(executor),
        new dev.troupe.runtime.guard.CircuitBreakers(settings.toolBreaker()), null, null,
        dev.troupe.runtime.guard.Quarantine.unwalked());
  }
}
