package dev.troupe.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TroupeSettingsTest {

  private static TroupeSettings settings(String hocon) {
    return TroupeSettings.create(TroupeSettings.load(ConfigFactory.parseString(hocon)));
  }

  private static String failure(String hocon) {
    return assertThrows(SettingsException.class, () -> settings(hocon)).getMessage();
  }

  @Test
  void defaultsDescribeTheEmbeddedNode() {
    TroupeSettings settings = settings("");
    assertEquals(8080, settings.http().port());
    assertEquals("127.0.0.1", settings.http().host());
    assertEquals(Path.of("./data").toAbsolutePath().normalize(), settings.dataDir());
    assertEquals(Duration.ofSeconds(30), settings.tasks().stepTimeout());
    assertEquals(3, settings.tasks().maxAttempts());
    assertTrue(settings.auth().adminKey().isEmpty());
    assertTrue(settings.auth().keys().isEmpty());
  }

  @Test
  void moreWriteTransactionsThanConnectionsIsRefusedNamingTheKey() {
    assertEquals("troupe.journal.write-parallelism: must not exceed max-connections (8), was 9",
        failure("troupe.journal.write-parallelism = 9"));
    assertEquals(1, settings("").journal().writeParallelism());
  }

  @Test
  void portOutOfRangeNamesTheKeyAndTheValue() {
    assertEquals("troupe.http.port: must be 1..65535, was 70000", failure("troupe.http.port = 70000"));
  }

  @Test
  void wrongTypeNamesTheKeyAndTheValue() {
    assertEquals("troupe.http.port: must be a whole number, was 'eighty'", failure("troupe.http.port = eighty"));
  }

  @Test
  void nonPositiveDurationsAreRefused() {
    assertEquals("troupe.tasks.step-timeout: must be a positive duration, was 0s",
        failure("troupe.tasks.step-timeout = 0s"));
    assertEquals("troupe.tasks.retry-backoff: must be a duration (e.g. 30s, 500ms), was 'soon'",
        failure("troupe.tasks.retry-backoff = soon"));
  }

  @Test
  void exhaustedRetriesFailByDefaultAndMayEscalate() {
    assertEquals(TaskSettings.RetriesExhausted.FAIL, settings("").tasks().onRetriesExhausted());
    assertEquals(TaskSettings.RetriesExhausted.ESCALATE,
        settings("troupe.tasks.on-retries-exhausted = escalate").tasks().onRetriesExhausted());
    assertEquals("troupe.tasks.on-retries-exhausted: must be one of fail, escalate, was retry-forever",
        failure("troupe.tasks.on-retries-exhausted = retry-forever"));
  }

  @Test
  void backoffBoundsMustBeOrdered() {
    assertEquals("troupe.supervision.max-backoff: must not be shorter than min-backoff (PT1S), was PT0.5S",
        failure("troupe.supervision { min-backoff = 1s, max-backoff = 500ms }"));
  }

  @Test
  void shortAdminKeyIsRefused() {
    assertEquals("troupe.auth.admin-key: must be at least 16 characters, was 5",
        failure("troupe.auth.admin-key = short"));
  }

  @Test
  void configuredKeysAreValidatedWithTheirIndex() {
    String hash = "a".repeat(64);
    assertEquals("troupe.auth.keys.1.roles: unknown role 'root' (known: submitter, approver, auditor, admin)",
        failure("troupe.auth.keys = [ { name = ci, sha256 = \"" + hash + "\", roles = [submitter] },"
            + " { name = ops, sha256 = \"" + hash.replace('a', 'b') + "\", roles = [root] } ]"));
    assertEquals("troupe.auth.keys.0.sha256: must be 64 hex digits (the SHA-256 of the key)",
        failure("troupe.auth.keys = [ { name = ci, sha256 = \"xyz\", roles = [submitter] } ]"));
    assertEquals("troupe.auth.keys.1.name: duplicate key name 'ci'",
        failure("troupe.auth.keys = [ { name = ci, sha256 = \"" + hash + "\", roles = [submitter] },"
            + " { name = ci, sha256 = \"" + hash + "\", roles = [auditor] } ]"));
  }

  @Test
  void configuredKeysAreRead() {
    String hash = "ab".repeat(32);
    TroupeSettings settings = settings(
        "troupe.auth.keys = [ { name = ci, sha256 = \"" + hash + "\", tenant = acme, roles = [submitter, auditor] } ]");
    ConfiguredKey key = settings.auth().keys().get(0);
    assertEquals(new ConfiguredKey("ci", hash, "acme", Set.of(Role.SUBMITTER, Role.AUDITOR)), key);
  }

  @Test
  void systemPropertiesOverrideDefaults() {
    System.setProperty("troupe.http.port", "9191");
    try {
      assertEquals(9191, settings("").http().port());
    } finally {
      System.clearProperty("troupe.http.port");
    }
  }

  @Test
  void explicitOverridesWinOverSystemProperties() {
    System.setProperty("troupe.http.port", "9191");
    try {
      Config config = TroupeSettings.load(ConfigFactory.parseMap(Map.of("troupe.http.port", 9292)));
      assertEquals(9292, TroupeSettings.create(config).http().port());
    } finally {
      System.clearProperty("troupe.http.port");
    }
  }

  @Test
  void aSyntaxErrorInTheConfigFileIsOneLine() {
    System.setProperty("config.resource", "broken.conf");
    try {
      String message = assertThrows(SettingsException.class, TroupeSettings::load).getMessage();
      assertTrue(message.startsWith("broken.conf"), message);
      assertEquals(1, message.lines().count(), message);
    } finally {
      System.clearProperty("config.resource");
    }
  }
}
