package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.troupe.config.SettingsException;
import dev.troupe.config.TroupeSettings;
import dev.troupe.runtime.agent.AgentCatalog;
import dev.troupe.runtime.tool.ToolRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltInsTest {
  @TempDir
  Path dataDir;

  private TroupeSettings settings(String hocon) {
    return TroupeSettings.create(TroupeSettings.load(ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseMap(Map.of("troupe.data-dir", dataDir.toString())))));
  }

  private static AgentCatalog catalog(dev.troupe.sdk.TroupeComponents components) {
    return new AgentCatalog(components.agents(), new ToolRegistry(components.tools()), components.models());
  }

  @Test
  void theBuiltInsFormAValidCatalogForBothExampleWorkflows() {
    AgentCatalog catalog = catalog(BuiltIns.components(settings("")));
    assertEquals(new TreeSet<>(Set.of("text.summarize", "documents.summarize", "compliance.check", "letter.draft",
        "crm.record-client", "billing.start", "company.research", "outreach.draft", "outreach.send",
        "report.compile", "briefing.plan", "briefing.compile")), catalog.capabilities());
    assertTrue(catalog.instanceIds().containsAll(Set.of("summarizer-1", "summarizer-2", "summarizer-3")));
  }

  @Test
  void anAgentClassCanBeRegisteredByConfiguration() {
    AgentCatalog catalog = catalog(BuiltIns.components(settings(
        "troupe.agents { built-in = off, registrations = [ { class = \"dev.troupe.agents.ShoutAgent\", instances = 2 } ] }")));
    assertEquals(new TreeSet<>(Set.of("shouter-1", "shouter-2")), catalog.instanceIds());
    assertEquals(new TreeSet<>(Set.of("text.shout")), catalog.capabilities());
  }

  @Test
  void aBadRegistrationNamesTheKey() {
    assertEquals("troupe.agents.registrations.0.class: no class com.acme.Missing on the classpath",
        assertThrows(SettingsException.class, () -> BuiltIns.components(settings(
            "troupe.agents.registrations = [ { class = \"com.acme.Missing\" } ]"))).getMessage());
    assertEquals("troupe.agents.registrations.0.class: java.lang.String does not implement dev.troupe.sdk.Agent",
        assertThrows(SettingsException.class, () -> BuiltIns.components(settings(
            "troupe.agents.registrations = [ { class = \"java.lang.String\" } ]"))).getMessage());
    assertEquals("troupe.agents.registrations.0.instances: must be 1..64, was 0",
        assertThrows(SettingsException.class, () -> settings(
            "troupe.agents.registrations = [ { class = \"dev.troupe.agents.ShoutAgent\", instances = 0 } ]")).getMessage());
  }

  @Test
  void theBuiltInWorkflowsAreValidAgainstTheBuiltInAgents() {
    AgentCatalog catalog = catalog(BuiltIns.components(settings("")));
    for (var workflow : BuiltInWorkflows.all()) {
      assertEquals(java.util.List.of(), dev.troupe.runtime.workflow.WorkflowValidator.problems(workflow,
          catalog::offers), workflow.name());
    }
  }
}
