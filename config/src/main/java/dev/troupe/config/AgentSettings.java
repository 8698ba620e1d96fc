package dev.troupe.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code troupe.agents}: which agents run, the resources for their code, and marketplace timing. */
public record AgentSettings(
    int workerThreads,
    boolean builtIn,
    List<Registration> registrations,
    List<String> tools,
    int degradeAfterFailures,
    Duration degradedCooldown,
    Duration modelTimeout,
    Duration reputationHalfLife,
    Duration advertiseInterval,
    int snapshotEvery,
    int maxModelCallsPerStep,
    int maxIdenticalToolCalls,
    List<String> toolsNeedingApproval,
    Duration drainTimeout,
    int bulkheadThreads,
    Map<String, Integer> bulkheads,
    List<LlmRegistration> llm,
    ModelSettings.Breaker toolBreaker) {
  private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

  /** An agent class to instantiate and how many instances of it to run. */
  public record Registration(String className, int instances) {}

  /**
   * A model-driven agent defined in configuration ({@code troupe.agents.llm}); {@code outputSchema}
   * is the JSON text of its answer's schema (null if none); {@code key} names it in errors.
   */
  public record LlmRegistration(String key, String type, String role, String instructions, String capability,
      String tier, List<String> tools, String outputSchema, int maxTurns, Double temperature, int maxOutputTokens,
      int instances) {
    public LlmRegistration {
      tools = List.copyOf(tools);
    }
  }

  public AgentSettings {
    bulkheads = bulkheads == null ? Map.of() : Map.copyOf(bulkheads);
    llm = llm == null ? List.of() : List.copyOf(llm);
    registrations = List.copyOf(registrations);
    tools = List.copyOf(tools);
    toolsNeedingApproval = toolsNeedingApproval == null ? List.of() : List.copyOf(toolsNeedingApproval);
  }

  /** As the canonical constructor, with the default bulkheads (4 threads per agent type). */
  public AgentSettings(int workerThreads, boolean builtIn, List<Registration> registrations, List<String> tools,
      int degradeAfterFailures, Duration degradedCooldown, Duration modelTimeout, Duration reputationHalfLife,
      Duration advertiseInterval, int snapshotEvery, int maxModelCallsPerStep, int maxIdenticalToolCalls,
      List<String> toolsNeedingApproval, Duration drainTimeout) {
    this(workerThreads, builtIn, registrations, tools, degradeAfterFailures, degradedCooldown, modelTimeout,
        reputationHalfLife, advertiseInterval, snapshotEvery, maxModelCallsPerStep, maxIdenticalToolCalls,
        toolsNeedingApproval, drainTimeout, 4, Map.of(), List.of(),
        new ModelSettings.Breaker(50, Duration.ofSeconds(60), 5, Duration.ofSeconds(30), 2));
  }

  /** Threads that run the code of agents of {@code type}. */
  public int bulkheadThreads(String type) {
    return bulkheads.getOrDefault(type, bulkheadThreads);
  }

  public static AgentSettings create(ConfigReader agents) {
    List<Registration> registrations = new ArrayList<>();
    var list = agents.objects("registrations");
    for (int i = 0; i < list.size(); i++) {
      ConfigReader entry = ConfigReader.of(list.get(i), agents.key("registrations") + "." + i);
      registrations.add(new Registration(className(entry, "class"),
          entry.has("instances") ? entry.intInRange("instances", 1, 64) : 1));
    }
    List<String> tools = agents.strings("tools");
    for (int i = 0; i < tools.size(); i++) {
      if (!CLASS_NAME.matcher(tools.get(i)).matches()) {
        throw new SettingsException(agents.key("tools") + "." + i, "must be a class name, was '" + tools.get(i) + "'");
      }
    }
    return new AgentSettings(
        agents.intInRange("worker-threads", 1, 1024),
        agents.bool("built-in"),
        registrations,
        tools,
        agents.intInRange("degrade-after-failures", 1, 1000),
        agents.positiveDuration("degraded-cooldown"),
        agents.positiveDuration("model-timeout"),
        agents.positiveDuration("reputation-half-life"),
        agents.positiveDuration("advertise-interval"),
        agents.intInRange("snapshot-every", 10, 1_000_000),
        agents.intInRange("max-model-calls-per-step", 1, 10_000),
        agents.intInRange("max-identical-tool-calls", 1, 1_000),
        agents.strings("tools-needing-approval"),
        agents.positiveDuration("drain-timeout"),
        agents.intInRange("bulkhead-threads", 1, 1024),
        bulkheads(agents),
        llm(agents),
        ModelSettings.breaker(agents.child("tool-breaker")));
  }

  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9-]{0,62}");
  private static final Pattern CAPABILITY = Pattern.compile("[a-z0-9]+(\\.[a-z0-9-]+)+");

  private static List<LlmRegistration> llm(ConfigReader agents) {
    List<LlmRegistration> out = new ArrayList<>();
    if (!agents.has("llm")) {
      return out;
    }
    var list = agents.objects("llm");
    for (int i = 0; i < list.size(); i++) {
      ConfigReader entry = ConfigReader.of(list.get(i), agents.key("llm") + "." + i);
      String type = entry.string("type");
      if (!TYPE.matcher(type).matches()) {
        throw new SettingsException(entry.key("type"), "must be lower-case letters, digits and '-', was '" + type + "'");
      }
      String capability = entry.string("capability");
      if (!CAPABILITY.matcher(capability).matches()) {
        throw new SettingsException(entry.key("capability"), "must look like 'ticket.triage', was '" + capability
            + "'");
      }
      String schema = null;
      if (entry.has("output-schema")) {
        com.typesafe.config.ConfigValue value = list.get(i).getValue("output-schema");
        if (value.valueType() != com.typesafe.config.ConfigValueType.OBJECT) {
          throw new SettingsException(entry.key("output-schema"), "must be a JSON schema object");
        }
        schema = value.render(com.typesafe.config.ConfigRenderOptions.concise());
      }
      out.add(new LlmRegistration(agents.key("llm") + "." + i, type,
          entry.has("role") ? entry.string("role") : "",
          entry.has("instructions") ? entry.string("instructions") : "",
          capability,
          entry.has("tier") ? entry.string("tier") : "fast",
          entry.has("tools") ? entry.strings("tools") : List.of(),
          schema,
          entry.has("max-turns") ? entry.intInRange("max-turns", 1, 100) : 6,
          entry.has("temperature") ? entry.doubleInRange("temperature", 0, 2) : null,
          entry.has("max-output-tokens") ? entry.intInRange("max-output-tokens", 1, 1_000_000) : 1024,
          entry.has("instances") ? entry.intInRange("instances", 1, 64) : 1));
    }
    return out;
  }

  private static Map<String, Integer> bulkheads(ConfigReader agents) {
    Map<String, Integer> sizes = new java.util.TreeMap<>();
    if (agents.has("bulkheads")) {
      for (String type : agents.object("bulkheads").keySet()) {
        sizes.put(type, ConfigReader.of(agents.object("bulkheads").toConfig(), agents.key("bulkheads"))
            .intInRange(com.typesafe.config.ConfigUtil.quoteString(type), 1, 1024));
      }
    }
    return sizes;
  }

  private static String className(ConfigReader entry, String path) {
    String name = entry.string(path);
    if (!CLASS_NAME.matcher(name).matches()) {
      throw new SettingsException(entry.key(path), "must be a class name, was '" + name + "'");
    }
    return name;
  }
}
