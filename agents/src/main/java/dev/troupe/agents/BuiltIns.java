package dev.troupe.agents;

import dev.troupe.agents.tools.BillingTriggerTool;
import dev.troupe.agents.tools.CrmRecordTool;
import dev.troupe.agents.tools.EmailSendTool;
import dev.troupe.config.TroupeSettings;
import dev.troupe.runtime.agent.AgentClasses;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.ModelGateway;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.TroupeComponents;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node runs out of the box, all on the offline {@code local} model: the agents of the two
 * example workflows (client onboarding; research → outreach → report) and their local tools, plus
 * whatever {@code troupe.agents.registrations} and {@code troupe.agents.tools} add.
 */
public final class BuiltIns {
  private BuiltIns() {}

  public static List<AgentRegistration> agents() {
    return List.of(
        new AgentRegistration(new SummarizerAgent(), 3),
        AgentRegistration.of(new ComplianceAgent()),
        AgentRegistration.of(new LetterAgent()),
        AgentRegistration.of(new CrmAgent()),
        AgentRegistration.of(new BillingAgent()),
        AgentRegistration.of(new ResearchAgent()),
        new AgentRegistration(new OutreachWriterAgent(), 2),
        AgentRegistration.of(new OutreachSenderAgent()),
        AgentRegistration.of(new ReportAgent()),
        AgentRegistration.of(new BriefingPlannerAgent()),
        AgentRegistration.of(new BriefingWriterAgent()));
  }

  public static List<Tool> tools(Path dataDir, Clock clock) {
    return List.of(new CrmRecordTool(dataDir, clock), new BillingTriggerTool(dataDir, clock),
        new EmailSendTool(dataDir, clock));
  }

  /**
   * The built-ins (unless {@code troupe.agents.built-in = off}), the configured classes, and the
   * model-driven agents defined in {@code troupe.agents.llm}.
   */
  public static TroupeComponents components(TroupeSettings settings) {
    ClassLoader loader = BuiltIns.class.getClassLoader();
    List<AgentRegistration> agents = new ArrayList<>();
    List<Tool> tools = new ArrayList<>(tools(settings.dataDir(), Clock.systemUTC()));
    if (settings.agents().builtIn()) {
      agents.addAll(agents());
    }
    agents.addAll(AgentClasses.registrations(settings.agents(), loader));
    agents.addAll(AgentClasses.llmAgents(settings.agents()));
    ModelGateway models = ModelGateway.allTiers(new LocalModel());
    java.util.Set<String> tiers = new java.util.TreeSet<>(models.tiers());
    tiers.addAll(settings.models().tiers().keySet());
    for (int i = 0; i < settings.agents().llm().size(); i++) {
      String tier = settings.agents().llm().get(i).tier();
      if (!tiers.contains(tier)) {
        throw new dev.troupe.config.SettingsException(settings.agents().llm().get(i).key() + ".tier",
            "no tier '" + tier + "' (known: " + tiers + "; add troupe.models.tiers." + tier + ")");
      }
    }
    tools.addAll(AgentClasses.tools(settings.agents(), loader));
    return new TroupeComponents(agents, tools, models,
        settings.agents().builtIn() ? BuiltInWorkflows.all() : List.of());
  }
}
