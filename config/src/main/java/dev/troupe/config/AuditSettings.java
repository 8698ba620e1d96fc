package dev.troupe.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code troupe.audit}: where the keys that link the audit chain live, and the signed checkpoints
 * of every entity's chain head. Keys belong outside the journal's reach (another disk, a secret
 * mount); by default they are files beside the journal, created on first start.
 */
public record AuditSettings(Path chainKeysFile, Path checkpointKeyFile, Path checkpointDir,
    Duration checkpointEvery) {
  static AuditSettings create(ConfigReader audit, Path dataDir) {
    return new AuditSettings(
        path(audit, "chain-keys-file", dataDir.resolve("audit-chain.keys")),
        path(audit, "checkpoint-key-file", dataDir.resolve("audit-checkpoint.key")),
        path(audit, "checkpoint-dir", dataDir.resolve("checkpoints")),
        checkpointEvery(audit));
  }

  private static Duration checkpointEvery(ConfigReader audit) {
    Duration every = audit.positiveDuration("checkpoint-every");
    if (every.compareTo(Duration.ofSeconds(10)) < 0) {
      throw new SettingsException(audit.key("checkpoint-every"), "must be at least 10s, was " + every);
    }
    return every;
  }

  private static Path path(ConfigReader audit, String key, Path otherwise) {
    String raw = audit.string(key).trim();
    return raw.isEmpty() ? otherwise : Path.of(raw);
  }
}
