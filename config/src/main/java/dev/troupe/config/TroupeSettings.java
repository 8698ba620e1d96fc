package dev.troupe.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Every setting Troupe reads, validated once at start. A bad value fails here with a
 * {@link SettingsException} naming the key, not later inside an actor.
 */
public record TroupeSettings(
    Path dataDir,
    HttpSettings http,
    AuthSettings auth,
    TaskSettings tasks,
    AgentSettings agents,
    SupervisionSettings supervision,
    JournalSettings journal,
    RedactionSettings redaction,
    ModelSettings models,
    CacheSettings cache,
    AuditSettings audit) {

  public static final String ROOT = "troupe";

  /** Reads and validates {@code troupe { ... }} of an already loaded config. */
  public static TroupeSettings create(Config root) {
    return create(root, System::getenv);
  }

  /**
   * As {@link #create(Config)}, with {@code environment} for the variables settings name (the
   * providers' API keys: only their presence is checked here; the values are read when a provider
   * starts, and never kept in settings).
   */
  public static TroupeSettings create(Config root, java.util.function.Function<String, String> environment) {
    ConfigReader troupe = ConfigReader.at(root, ROOT);
    Path dataDir = dataDir(troupe);
    return new TroupeSettings(
        dataDir,
        HttpSettings.create(troupe.child("http")),
        AuthSettings.create(troupe.child("auth")),
        TaskSettings.create(troupe.child("tasks")),
        AgentSettings.create(troupe.child("agents")),
        SupervisionSettings.create(troupe.child("supervision")),
        JournalSettings.create(troupe.child("journal")),
        RedactionSettings.create(troupe.child("redaction")),
        ModelSettings.create(troupe.child("models"), environment),
        CacheSettings.create(troupe.child("cache")),
        AuditSettings.create(troupe.child("audit"), dataDir));
  }

  /**
   * Where each Troupe module keeps its choices for other libraries' settings (the journal
   * plugin, the cluster provider, ...). They cannot live in reference.conf: in a shaded jar all
   * reference.conf files become one, in dependency order, and a library's own default written
   * after ours would silently win.
   */
  public static final String TROUPE_DEFAULTS = "troupe-defaults.conf";

  /**
   * The load order, highest first: system properties, {@code -Dconfig.file} or
   * application.conf, every module's troupe-defaults.conf, every reference.conf. A syntax
   * error in a file becomes a one-line SettingsException.
   */
  public static Config load() {
    return load(ConfigFactory.empty());
  }

  /** As {@link #load()}, with {@code overrides} above everything else (tests use this). */
  public static Config load(Config overrides) {
    try {
      ConfigFactory.invalidateCaches();
      return overrides
          .withFallback(ConfigFactory.defaultOverrides())
          .withFallback(ConfigFactory.defaultApplication())
          .withFallback(ConfigFactory.parseResources(TROUPE_DEFAULTS))
          .withFallback(ConfigFactory.defaultReferenceUnresolved())
          .resolve();
    } catch (ConfigException e) {
      String origin = e.origin() == null ? "config" : e.origin().description();
      throw new SettingsException(origin, e.getMessage());
    }
  }

  /** The same settings with other HTTP settings (tests bind to an ephemeral port this way). */
  public TroupeSettings withHttp(HttpSettings newHttp) {
    return new TroupeSettings(dataDir, newHttp, auth, tasks, agents, supervision, journal, redaction, models, cache,
        audit);
  }

  private static Path dataDir(ConfigReader troupe) {
    String raw = troupe.string("data-dir").trim();
    if (raw.isEmpty()) {
      throw new SettingsException(troupe.key("data-dir"), "must not be empty");
    }
    try {
      return Path.of(raw).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new SettingsException(troupe.key("data-dir"), "is not a valid path: " + e.getReason());
    }
  }
}
