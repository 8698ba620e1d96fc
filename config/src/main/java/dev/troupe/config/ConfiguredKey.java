package dev.troupe.config;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** An API key given in configuration: only its SHA-256 hash, never the key itself. */
public record ConfiguredKey(String name, String sha256Hex, String tenant, Set<Role> roles) {
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public ConfiguredKey {
    roles = Set.copyOf(roles);
  }

  static ConfiguredKey create(ConfigReader key) {
    String name = key.string("name");
    if (!NAME.matcher(name).matches()) {
      throw new SettingsException(key.key("name"), "must be 1..64 of A-Z a-z 0-9 . _ -, was '" + name + "'");
    }
    String hash = key.string("sha256").toLowerCase(Locale.ROOT);
    if (!SHA256_HEX.matcher(hash).matches()) {
      throw new SettingsException(key.key("sha256"), "must be 64 hex digits (the SHA-256 of the key)");
    }
    String tenant = key.has("tenant") ? key.string("tenant") : "default";
    if (!NAME.matcher(tenant).matches()) {
      throw new SettingsException(key.key("tenant"), "must be 1..64 of A-Z a-z 0-9 . _ -, was '" + tenant + "'");
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (String r : key.strings("roles")) {
      roles.add(Role.parse(r).orElseThrow(() -> new SettingsException(
          key.key("roles"), "unknown role '" + r + "' (known: submitter, approver, auditor, admin)")));
    }
    if (roles.isEmpty()) {
      throw new SettingsException(key.key("roles"), "must name at least one role");
    }
    return new ConfiguredKey(name, hash, tenant, roles);
  }
}
