package dev.troupe.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code troupe.models}: where models are served (providers), the models by id with their prices,
 * and which models serve each tier (a primary and an ordered list of fallbacks), plus the circuit
 * breaker and retry policy around every model. The built-in offline model has the id
 * {@value #LOCAL}; a tier not configured here is served by what the code registered (the
 * server registers {@code local} for every standard tier).
 *
 * <p>API keys are never read into these settings: a provider names the environment variable
 * that holds its key, and start-up fails if that variable is not set.
 */
public record ModelSettings(
    Map<String, Provider> providers, Map<String, Model> models, Map<String, Tier> tiers, Map<String, Tier> agents,
    Breaker breaker, Retry retry) {

  /** The id of the built-in offline model. */
  public static final String LOCAL = "local";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public enum Kind { OPENAI_COMPATIBLE, ANTHROPIC }

  /**
   * Where models are served, and how to reach it. {@code apiKeyEnv} is null for a server that
   * needs no key; {@code apiKey} reads the key from there when a provider starts (the value is
   * never held in settings, so it cannot show in their text).
   */
  public record Provider(String id, Kind kind, URI baseUrl, String apiKeyEnv, Supplier<String> apiKey,
      Duration timeout, int maxConnections) {
    @Override
    public String toString() {
      return "Provider[" + id + ", " + kind + ", " + baseUrl + ", key from " + apiKeyEnv + "]";
    }
  }

  /** A model: the provider that serves it, its name there, and what it costs per million tokens. */
  public record Model(String id, String provider, String name, BigDecimal usdPerMillionInput,
      BigDecimal usdPerMillionOutput) {}

  /** Which model serves a tier first, and which take over, in order, when it cannot. */
  public record Tier(String tier, String primary, List<String> fallbacks) {
    public Tier {
      fallbacks = List.copyOf(fallbacks);
    }

    /** The primary, then the fallbacks. */
    public List<String> route() {
      List<String> route = new ArrayList<>();
      route.add(primary);
      route.addAll(fallbacks);
      return route;
    }
  }

  /**
   * A breaker per model: it opens when at least {@code failureRatePercent} of the calls in the last
   * {@code window} failed (once there were {@code minimumCalls}), stays open {@code openFor}, then
   * lets {@code halfOpenCalls} probes through.
   */
  public record Breaker(double failureRatePercent, Duration window, int minimumCalls, Duration openFor,
      int halfOpenCalls) {}

  /**
   * Retries of transient failures (429, 5xx, timeouts, broken connections) of one model, and how
   * long a tier's call may take in all, retries and fallbacks included, before it gives up.
   */
  public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter) {
    public Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
      this(maxAttempts, initialBackoff, maxBackoff, Duration.ofSeconds(60));
    }
  }

  public ModelSettings {
    providers = Map.copyOf(providers);
    models = Map.copyOf(models);
    tiers = Map.copyOf(tiers);
    agents = Map.copyOf(agents);
  }

  /** Every model id a tier may name: the configured ones and {@value #LOCAL}. */
  public TreeSet<String> modelIds() {
    TreeSet<String> ids = new TreeSet<>(models.keySet());
    ids.add(LOCAL);
    return ids;
  }

  public static ModelSettings create(ConfigReader models, Function<String, String> environment) {
    Map<String, Provider> providers = new LinkedHashMap<>();
    for (Map.Entry<String, Config> entry : entries(models, "providers").entrySet()) {
      ConfigReader p = ConfigReader.of(entry.getValue(), models.key("providers") + "." + entry.getKey());
      providers.put(entry.getKey(), provider(entry.getKey(), p, environment));
    }
    Map<String, Model> known = new LinkedHashMap<>();
    for (Map.Entry<String, Config> entry : entries(models, "models").entrySet()) {
      String id = entry.getKey();
      ConfigReader m = ConfigReader.of(entry.getValue(), models.key("models") + "." + id);
      if (LOCAL.equals(id)) {
        throw new SettingsException(models.key("models") + "." + id, "'local' is the built-in model and cannot be"
            + " configured");
      }
      String provider = m.string("provider");
      if (!providers.containsKey(provider)) {
        throw new SettingsException(m.key("provider"), "no provider '" + provider + "' (known: "
            + new TreeSet<>(providers.keySet()) + ")");
      }
      known.put(id, new Model(id, provider, m.string("name"), price(m, "usd-per-million-input"),
          price(m, "usd-per-million-output")));
    }
    TreeSet<String> ids = new TreeSet<>(known.keySet());
    ids.add(LOCAL);
    Map<String, Tier> tiers = routes(models, "tiers", ids);
    // An agent type may think with models of its own instead of its tier's.
    Map<String, Tier> agents = routes(models, "agents", ids);
    ConfigReader retry = models.child("retry");
    Duration initial = retry.positiveDuration("initial-backoff");
    Duration max = retry.positiveDuration("max-backoff");
    if (max.compareTo(initial) < 0) {
      throw new SettingsException(retry.key("max-backoff"), "must be at least initial-backoff (" + initial + ")");
    }
    return new ModelSettings(providers, known, tiers, agents,
        breaker(models.child("breaker")),
        new Retry(retry.intInRange("max-attempts", 1, 10), initial, max, retry.positiveDuration("give-up-after")));
  }

  /** A breaker policy ({@code failure-rate}, {@code window}, {@code minimum-calls}, {@code open-for}, {@code half-open-calls}). */
  public static Breaker breaker(ConfigReader breaker) {
    return new Breaker(breaker.doubleInRange("failure-rate", 1, 100), breaker.positiveDuration("window"),
        breaker.intInRange("minimum-calls", 1, 10_000), breaker.positiveDuration("open-for"),
        breaker.intInRange("half-open-calls", 1, 1_000));
  }

  private static Map<String, Tier> routes(ConfigReader models, String path, TreeSet<String> ids) {
    Map<String, Tier> routes = new LinkedHashMap<>();
    for (Map.Entry<String, Config> entry : entries(models, path).entrySet()) {
      ConfigReader t = ConfigReader.of(entry.getValue(), models.key(path) + "." + entry.getKey());
      String primary = modelRef(t, "primary", t.string("primary"), ids);
      List<String> fallbacks = t.has("fallbacks") ? t.strings("fallbacks") : List.of();
      List<String> route = new ArrayList<>(List.of(primary));
      for (int i = 0; i < fallbacks.size(); i++) {
        String fallback = modelRef(t, "fallbacks." + i, fallbacks.get(i), ids);
        if (route.contains(fallback)) {
          throw new SettingsException(t.key("fallbacks") + "." + i, "'" + fallback + "' is already in this route");
        }
        route.add(fallback);
      }
      routes.put(entry.getKey(), new Tier(entry.getKey(), primary, route.subList(1, route.size())));
    }
    return routes;
  }

  private static Provider provider(String id, ConfigReader p, Function<String, String> environment) {
    Kind kind = p.oneOf("kind", Kind.class);
    URI baseUrl;
    String raw = p.string("base-url").trim();
    try {
      baseUrl = new URI(raw);
    } catch (URISyntaxException e) {
      throw new SettingsException(p.key("base-url"), "is not a URL: " + e.getReason());
    }
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || baseUrl.getHost() == null) {
      throw new SettingsException(p.key("base-url"), "must be an http or https URL such as"
          + " http://127.0.0.1:11434/v1, was '" + raw + "'");
    }
    String keyEnv = p.has("api-key-env") ? p.string("api-key-env").trim() : null;
    if (keyEnv != null && !keyEnv.isEmpty()) {
      String key = environment.apply(keyEnv);
      if (key == null || key.isBlank()) {
        throw new SettingsException(p.key("api-key-env"), "the environment variable " + keyEnv + " is not set");
      }
      if (key.strip().chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        // Named, never shown: the value is a secret.
        throw new SettingsException(p.key("api-key-env"), "the environment variable " + keyEnv
            + " holds characters an API key cannot have (spaces, line breaks or non-ASCII)");
      }
    } else if (kind == Kind.ANTHROPIC) {
      throw new SettingsException(p.key("api-key-env"), "is missing: an anthropic provider needs an API key");
    } else {
      keyEnv = null;
    }
    String variable = keyEnv;
    return new Provider(id, kind, baseUrl, keyEnv,
        () -> variable == null || environment.apply(variable) == null ? null : environment.apply(variable).strip(),
        p.has("timeout") ? p.positiveDuration("timeout") : Duration.ofSeconds(60),
        p.has("max-connections") ? p.intInRange("max-connections", 1, 65_536) : 1024);
  }

  private static String modelRef(ConfigReader tier, String path, String id, TreeSet<String> ids) {
    if (!ids.contains(id)) {
      throw new SettingsException(tier.key(path), "no model '" + id + "' (known: " + ids + ")");
    }
    return id;
  }

  private static BigDecimal price(ConfigReader model, String path) {
    if (!model.has(path)) {
      return BigDecimal.ZERO;
    }
    double value = model.doubleInRange(path, 0, 1_000_000);
    return new BigDecimal(Double.toString(value)).stripTrailingZeros();
  }

  /** The objects under {@code path}, by key (keys with dots, such as "gpt-4.1", stay whole). */
  private static Map<String, Config> entries(ConfigReader parent, String path) {
    Map<String, Config> entries = new LinkedHashMap<>();
    if (!parent.has(path)) {
      return entries;
    }
    ConfigObject object = parent.object(path);
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      String key = entry.getKey();
      if (!ID.matcher(key).matches()) {
        throw new SettingsException(parent.key(path) + "." + key, "ids are letters, digits, '.', '_' and '-'");
      }
      if (entry.getValue().valueType() != ConfigValueType.OBJECT) {
        throw new SettingsException(parent.key(path) + "." + key, "must be an object");
      }
      entries.put(key, ((ConfigObject) entry.getValue()).toConfig());
    }
    return entries;
  }
}
