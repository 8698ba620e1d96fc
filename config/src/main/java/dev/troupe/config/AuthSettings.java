package dev.troupe.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code troupe.auth}: the first admin key and the configured keys. */
public record AuthSettings(Optional<String> adminKey, List<ConfiguredKey> keys) {
  /** Shorter keys are guessable; generated keys are far longer. */
  public static final int MIN_KEY_LENGTH = 16;

  public AuthSettings {
    keys = List.copyOf(keys);
  }

  public static AuthSettings create(ConfigReader auth) {
    String admin = auth.string("admin-key").trim();
    if (!admin.isEmpty() && admin.length() < MIN_KEY_LENGTH) {
      throw new SettingsException(auth.key("admin-key"),
          "must be at least " + MIN_KEY_LENGTH + " characters, was " + admin.length());
    }
    List<ConfiguredKey> keys = new ArrayList<>();
    Set<String> names = new HashSet<>();
    var list = auth.objects("keys");
    for (int i = 0; i < list.size(); i++) {
      ConfiguredKey parsed = ConfiguredKey.create(ConfigReader.of(list.get(i), auth.key("keys") + "." + i));
      if (!names.add(parsed.name())) {
        throw new SettingsException(auth.key("keys") + "." + i + ".name", "duplicate key name '" + parsed.name() + "'");
      }
      keys.add(parsed);
    }
    return new AuthSettings(admin.isEmpty() ? Optional.empty() : Optional.of(admin), keys);
  }

}
