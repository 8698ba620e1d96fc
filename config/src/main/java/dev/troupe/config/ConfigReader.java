package dev.troupe.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.List;

/**
 * Reads values of one config subtree and turns every problem into a {@link SettingsException}
 * with the full key, so the operator sees {@code troupe.x.y: reason} and nothing else.
 */
public final class ConfigReader {
  private final Config config;
  private final String prefix;

  private ConfigReader(Config config, String prefix) {
    this.config = config;
    this.prefix = prefix;
  }

  /** A reader of {@code path} in {@code root}; keys in errors are prefixed with {@code path}. */
  public static ConfigReader at(Config root, String path) {
    if (!root.hasPath(path)) {
      throw new SettingsException(path, "is missing");
    }
    return new ConfigReader(root.getConfig(path), path);
  }

  /** A reader of {@code config} whose errors name keys under {@code prefix}. */
  public static ConfigReader of(Config config, String prefix) {
    return new ConfigReader(config, prefix);
  }

  public ConfigReader child(String path) {
    if (!config.hasPath(path)) {
      throw new SettingsException(key(path), "is missing");
    }
    return new ConfigReader(config.getConfig(path), key(path));
  }

  public String key(String path) {
    return prefix + "." + path;
  }

  public boolean has(String path) {
    return config.hasPath(path);
  }

  public String string(String path) {
    return read(path, () -> config.getString(path), "a string");
  }

  public int intInRange(String path, int min, int max) {
    long value = read(path, () -> config.getLong(path), "a whole number");
    if (value < min || value > max) {
      throw new SettingsException(key(path), "must be " + min + ".." + max + ", was " + value);
    }
    return (int) value;
  }

  public long bytesInRange(String path, long min, long max) {
    long value = read(path, () -> config.getBytes(path), "a size in bytes (e.g. 1048576 or 1MiB)");
    if (value < min || value > max) {
      throw new SettingsException(key(path), "must be " + min + ".." + max + " bytes, was " + value);
    }
    return value;
  }

  public Duration positiveDuration(String path) {
    Duration value = read(path, () -> config.getDuration(path), "a duration (e.g. 30s, 500ms)");
    if (value.isZero() || value.isNegative()) {
      throw new SettingsException(key(path), "must be a positive duration, was " + raw(path));
    }
    return value;
  }

  public double doubleInRange(String path, double min, double max) {
    double value = read(path, () -> config.getDouble(path), "a number");
    if (value < min || value > max) {
      throw new SettingsException(key(path), "must be " + min + ".." + max + ", was " + value);
    }
    return value;
  }

  /** One of {@code choices}, matched without regard to case, as the enum constant. */
  public <E extends Enum<E>> E oneOf(String path, Class<E> choices) {
    String value = string(path);
    for (E choice : choices.getEnumConstants()) {
      if (choice.name().equalsIgnoreCase(value.replace('-', '_'))) {
        return choice;
      }
    }
    String known = java.util.Arrays.stream(choices.getEnumConstants())
        .map(c -> c.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
        .collect(java.util.stream.Collectors.joining(", "));
    throw new SettingsException(key(path), "must be one of " + known + ", was " + value);
  }

  public boolean bool(String path) {
    return read(path, () -> config.getBoolean(path), "on or off");
  }

  public List<String> strings(String path) {
    return read(path, () -> config.getStringList(path), "a list of strings");
  }

  public com.typesafe.config.ConfigObject object(String path) {
    return read(path, () -> config.getObject(path), "an object");
  }

  public List<? extends Config> objects(String path) {
    return read(path, () -> config.getConfigList(path), "a list of objects");
  }

  private String raw(String path) {
    ConfigValue value = config.getValue(path);
    return String.valueOf(value.unwrapped());
  }

  private <T> T read(String path, java.util.function.Supplier<T> getter, String expected) {
    try {
      return getter.get();
    } catch (ConfigException.Missing e) {
      throw new SettingsException(key(path), "is missing");
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      String was = config.hasPath(path) ? ", was " + quoted(raw(path)) : "";
      throw new SettingsException(key(path), "must be " + expected + was);
    }
  }

  private static String quoted(String raw) {
    return "'" + raw + "'";
  }
}
