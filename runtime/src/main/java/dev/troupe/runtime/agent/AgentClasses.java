package dev.troupe.runtime.agent;

import dev.troupe.config.AgentSettings;
import dev.troupe.config.SettingsException;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.Tool;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;

/** Instantiates the agents and tools named in {@code troupe.agents}, with errors that name the key. */
public final class AgentClasses {
  private AgentClasses() {}

  public static List<AgentRegistration> registrations(AgentSettings settings, ClassLoader loader) {
    List<AgentRegistration> out = new ArrayList<>();
    for (int i = 0; i < settings.registrations().size(); i++) {
      AgentSettings.Registration registration = settings.registrations().get(i);
      String key = "troupe.agents.registrations." + i + ".class";
      Agent agent = instantiate(registration.className(), Agent.class, key, loader);
      try {
        agent.definition();
      } catch (RuntimeException e) {
        throw new SettingsException(key, registration.className() + " has an invalid definition: " + e.getMessage());
      }
      out.add(new AgentRegistration(agent, registration.instances()));
    }
    return out;
  }

  /** The model-driven agents defined in {@code troupe.agents.llm}. */
  public static List<AgentRegistration> llmAgents(AgentSettings settings) {
    List<AgentRegistration> out = new ArrayList<>();
    for (AgentSettings.LlmRegistration llm : settings.llm()) {
      com.fasterxml.jackson.databind.JsonNode schema = null;
      if (llm.outputSchema() != null) {
        try {
          schema = new com.fasterxml.jackson.databind.ObjectMapper().readTree(llm.outputSchema());
          dev.troupe.sdk.JsonSchemaCheck.of(schema);
        } catch (java.io.IOException | IllegalArgumentException e) {
          throw new SettingsException(llm.key() + ".output-schema", "is not a usable JSON schema: " + e.getMessage());
        }
      }
      out.add(new AgentRegistration(new dev.troupe.sdk.LlmAgent(new dev.troupe.sdk.LlmAgent.Spec(llm.type(),
          llm.role(), llm.instructions(), llm.capability(), llm.tier(), java.util.Set.copyOf(llm.tools()), schema,
          llm.maxTurns(), llm.temperature(), llm.maxOutputTokens(), null, null, null)), llm.instances()));
    }
    return out;
  }

  public static List<Tool> tools(AgentSettings settings, ClassLoader loader) {
    List<Tool> out = new ArrayList<>();
    for (int i = 0; i < settings.tools().size(); i++) {
      out.add(instantiate(settings.tools().get(i), Tool.class, "troupe.agents.tools." + i, loader));
    }
    return out;
  }

  private static <T> T instantiate(String className, Class<T> type, String key, ClassLoader loader) {
    Class<?> found;
    try {
      found = Class.forName(className, true, loader);
    } catch (ClassNotFoundException e) {
      throw new SettingsException(key, "no class " + className + " on the classpath");
    }
    if (!type.isAssignableFrom(found)) {
      throw new SettingsException(key, className + " does not implement " + type.getName());
    }
    try {
      return type.cast(found.getDeclaredConstructor().newInstance());
    } catch (NoSuchMethodException e) {
      throw new SettingsException(key, className + " needs a public no-argument constructor");
    } catch (InvocationTargetException e) {
      throw new SettingsException(key, className + " failed to construct: " + e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new SettingsException(key, className + " cannot be constructed: " + e.getMessage());
    }
  }
}
