package dev.troupe.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.troupe.config.Role;
import dev.troupe.config.TroupeSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminKeyBootstrapTest {
  @TempDir
  Path dataDir;

  private TroupeSettings settings(String hocon) {
    return TroupeSettings.create(TroupeSettings.load(ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseMap(Map.of("troupe.data-dir", dataDir.toString())))));
  }

  private static final Principal ADMIN = new Principal("admin", "default", Set.of(Role.ADMIN));

  @Test
  void firstStartGeneratesAKeyWritesItPrivatelyAndPrintsItOnce() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    ApiKeys keys = AdminKeyBootstrap.load(settings(""), new PrintStream(console, true, StandardCharsets.UTF_8));
    Path file = dataDir.resolve("admin.key");
    String key = Files.readString(file).strip();
    assertTrue(key.startsWith("trp_") && key.length() > 40, key);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(console.toString(StandardCharsets.UTF_8).contains(key));
    assertEquals(Optional.of(ADMIN), keys.authenticate(key));

    ByteArrayOutputStream secondConsole = new ByteArrayOutputStream();
    ApiKeys again = AdminKeyBootstrap.load(settings(""), new PrintStream(secondConsole, true, StandardCharsets.UTF_8));
    assertEquals("", secondConsole.toString(StandardCharsets.UTF_8), "printed only on first start");
    assertEquals(Optional.of(ADMIN), again.authenticate(key));
  }

  @Test
  void theConfiguredAdminKeyIsUsedAndNothingIsWritten() throws Exception {
    ApiKeys keys = AdminKeyBootstrap.load(settings("troupe.auth.admin-key = \"a-long-enough-admin-key\""),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(Optional.of(ADMIN), keys.authenticate("a-long-enough-admin-key"));
    assertEquals(Optional.empty(), keys.authenticate("a-long-enough-admin-keY"));
    assertFalse(Files.exists(dataDir.resolve("admin.key")));
  }

  @Test
  void configuredKeysReplaceTheBootstrap() throws Exception {
    String hash = ApiKeys.sha256Hex("ci-key-0123456789");
    ApiKeys keys = AdminKeyBootstrap.load(settings(
            "troupe.auth.keys = [ { name = ci, sha256 = \"" + hash + "\", tenant = acme, roles = [submitter] } ]"),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(Optional.of(new Principal("ci", "acme", Set.of(Role.SUBMITTER))), keys.authenticate("ci-key-0123456789"));
    assertEquals(1, keys.size());
    assertFalse(Files.exists(dataDir.resolve("admin.key")));
  }
}
