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
  void aModelDrivenAgentIsDefinedInConfigurationAlone() {
    var components = BuiltIns.components(settings("troupe.agents { built-in = off, llm = [{ type = triage,"
        + " role = \"a support triager\", instructions = \"Classify it.\", capability = ticket.triage,"
        + " tier = fast, tools = [\"crm.record\"], output-schema = { type = object, required = [category],"
        + " properties { category { type = string } } }, max-turns = 4, temperature = 0.2, instances = 2 }] }"));
    AgentCatalog catalog = catalog(components);
    assertEquals(new TreeSet<>(Set.of("triage-1", "triage-2")), catalog.instanceIds());
    var agent = (dev.troupe.sdk.LlmAgent) components.agents().get(0).agent();
    assertEquals(Set.of("crm.record"), agent.definition().tools());
    assertEquals("fast", agent.definition().modelTier());
    assertEquals(4, agent.spec().maxTurns());
    assertEquals(0.2, agent.spec().temperature());
    assertEquals("category", agent.spec().outputSchema().get("required").get(0).asText());
  }

  @Test
  void aBadModelDrivenAgentNamesTheKey() {
    assertEquals("troupe.agents.llm.0.capability: must look like 'ticket.triage', was 'triage'",
        assertThrows(SettingsException.class, () -> settings(
            "troupe.agents.llm = [{ type = triage, capability = triage }]")).getMessage());
    assertEquals("troupe.agents.llm.0.output-schema: must be a JSON schema object",
        assertThrows(SettingsException.class, () -> settings(
            "troupe.agents.llm = [{ type = triage, capability = ticket.triage, output-schema = [1] }]")).getMessage());
    assertTrue(assertThrows(SettingsException.class, () -> BuiltIns.components(settings(
            "troupe.agents.llm = [{ type = triage, capability = ticket.triage, output-schema = { type = 7 } }]")))
        .getMessage().startsWith("troupe.agents.llm.0.output-schema: is not a usable JSON schema"));
    assertEquals("troupe.agents.llm.0.tier: no tier 'cheap' (known: [fast, multimodal, reasoning]; add"
            + " troupe.models.tiers.cheap)", assertThrows(SettingsException.class, () -> BuiltIns.components(settings(
            "troupe.agents.llm = [{ type = triage, capability = ticket.triage, tier = cheap }]"))).getMessage());
    assertEquals("troupe.agents.llm.0.max-turns: must be 1..100, was 0",
        assertThrows(SettingsException.class, () -> settings(
            "troupe.agents.llm = [{ type = triage, capability = ticket.triage, max-turns = 0 }]")).getMessage());
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
