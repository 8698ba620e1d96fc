package dev.troupe.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code troupe.models}: configured, checked at start, naming the key of whatever is wrong. */
class ModelSettingsTest {
  private static final String OPENAI = "troupe.models.providers.openai { kind = openai-compatible,"
      + " base-url = \"https://api.openai.com/v1\", api-key-env = OPENAI_API_KEY }\n";
  private static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-secret-value");

  private static ModelSettings models(String hocon, Map<String, String> env) {
    return TroupeSettings.create(TroupeSettings.load(ConfigFactory.parseString(hocon)), env::get).models();
  }

  private static String failure(String hocon, Map<String, String> env) {
    return assertThrows(SettingsException.class, () -> models(hocon, env)).getMessage();
  }

  @Test
  void byDefaultNothingIsConfiguredAndTheCodesModelsServeEveryTier() {
    ModelSettings defaults = models("", Map.of());
    assertTrue(defaults.providers().isEmpty());
    assertTrue(defaults.tiers().isEmpty(), "the server registers local for every standard tier in code");
    assertEquals(List.of("local"), List.copyOf(defaults.modelIds()));
    assertEquals(new ModelSettings.Breaker(50, Duration.ofSeconds(60), 5, Duration.ofSeconds(30), 2),
        defaults.breaker());
    assertEquals(new ModelSettings.Retry(3, Duration.ofMillis(500), Duration.ofSeconds(20)), defaults.retry());
  }

  @Test
  void providersModelsAndTiersAsTheContractNamesThem() {
    ModelSettings settings = models(OPENAI
        + "troupe.models.providers.ollama { kind = openai-compatible, base-url = \"http://127.0.0.1:11434/v1\","
        + " timeout = 120s }\n"
        + "troupe.models.models.gpt-mini { provider = openai, name = gpt-4o-mini, usd-per-million-input = 0.15,"
        + " usd-per-million-output = 0.60 }\n"
        + "troupe.models.models.\"llama3.1\" { provider = ollama, name = \"llama3.1:8b\" }\n"
        + "troupe.models.tiers.fast { primary = gpt-mini, fallbacks = [\"llama3.1\", local] }\n"
        + "troupe.models.tiers.cheap { primary = \"llama3.1\" }", ENV);
    ModelSettings.Provider openai = settings.providers().get("openai");
    assertEquals(ModelSettings.Kind.OPENAI_COMPATIBLE, openai.kind());
    assertEquals(URI.create("https://api.openai.com/v1"), openai.baseUrl());
    assertEquals("sk-secret-value", openai.apiKey().get(), "read from the variable when the provider starts");
    assertFalse(openai.toString().contains("sk-secret-value"), openai.toString());
    assertFalse(settings.toString().contains("sk-secret-value"), "the key is in no settings' text");
    assertEquals(Duration.ofSeconds(60), openai.timeout());
    assertEquals(Duration.ofSeconds(120), settings.providers().get("ollama").timeout());
    assertEquals(null, settings.providers().get("ollama").apiKey().get(), "a local server needs no key");
    ModelSettings.Model mini = settings.models().get("gpt-mini");
    assertEquals("gpt-4o-mini", mini.name());
    assertEquals(new BigDecimal("0.15"), mini.usdPerMillionInput());
    assertEquals(new BigDecimal("0.6"), mini.usdPerMillionOutput());
    assertEquals("llama3.1:8b", settings.models().get("llama3.1").name(), "an id with a dot, quoted");
    assertEquals(List.of("gpt-mini", "llama3.1", "local"), settings.tiers().get("fast").route());
    assertEquals(List.of(), settings.tiers().get("cheap").fallbacks());
  }

  @Test
  void theResultCacheIsOffUnlessTurnedOn() {
    var defaults = TroupeSettings.create(TroupeSettings.load(ConfigFactory.parseString(""))).cache();
    assertEquals(new CacheSettings(false, false, Duration.ofMinutes(10), 10_000), defaults);
    var on = TroupeSettings.create(TroupeSettings.load(ConfigFactory.parseString(
        "troupe.cache { models = on, tools = on, ttl = 2m, max-entries = 500 }"))).cache();
    assertEquals(new CacheSettings(true, true, Duration.ofMinutes(2), 500), on);
    assertEquals("troupe.cache.max-entries: must be 1..10000000, was 0", assertThrows(SettingsException.class,
        () -> TroupeSettings.create(TroupeSettings.load(ConfigFactory.parseString("troupe.cache.max-entries = 0"))))
        .getMessage());
  }

  @Test
  void whatIsWrongIsNamedByItsKey() {
    assertEquals("troupe.models.providers.openai.api-key-env: the environment variable OPENAI_API_KEY is not set",
        failure(OPENAI, Map.of()));
    assertEquals("troupe.models.tiers.fast.primary: no model 'gpt-5' (known: [local])",
        failure("troupe.models.tiers.fast { primary = gpt-5 }", Map.of()));
    assertEquals("troupe.models.tiers.fast.fallbacks.1: no model 'nope' (known: [gpt-mini, local])",
        failure(OPENAI + "troupe.models.models.gpt-mini { provider = openai, name = x }\n"
            + "troupe.models.tiers.fast { primary = gpt-mini, fallbacks = [local, nope] }", ENV));
    assertEquals("troupe.models.tiers.fast.fallbacks.0: 'local' is already in this route",
        failure("troupe.models.tiers.fast { primary = local, fallbacks = [local] }", Map.of()));
    assertEquals("troupe.models.models.gpt-mini.provider: no provider 'azure' (known: [openai])",
        failure(OPENAI + "troupe.models.models.gpt-mini { provider = azure, name = x }", ENV));
    assertEquals("troupe.models.models.local: 'local' is the built-in model and cannot be configured",
        failure(OPENAI + "troupe.models.models.local { provider = openai, name = x }", ENV));
    assertEquals("troupe.models.providers.p.kind: must be one of openai-compatible, anthropic, was gemini",
        failure("troupe.models.providers.p { kind = gemini, base-url = \"http://x\" }", Map.of()));
    assertEquals("troupe.models.providers.p.base-url: must be an http or https URL such as "
            + "http://127.0.0.1:11434/v1, was 'ftp://models'",
        failure("troupe.models.providers.p { kind = openai-compatible, base-url = \"ftp://models\" }", Map.of()));
    assertEquals("troupe.models.providers.a.api-key-env: is missing: an anthropic provider needs an API key",
        failure("troupe.models.providers.a { kind = anthropic, base-url = \"https://api.anthropic.com/v1\" }",
            Map.of()));
    assertEquals("troupe.models.models.m.usd-per-million-input: must be 0.0..1000000.0, was -1.0",
        failure(OPENAI + "troupe.models.models.m { provider = openai, name = x, usd-per-million-input = -1 }", ENV));
    assertEquals("troupe.models.retry.max-backoff: must be at least initial-backoff (PT5S)",
        failure("troupe.models.retry { initial-backoff = 5s, max-backoff = 1s }", Map.of()));
  }
}
