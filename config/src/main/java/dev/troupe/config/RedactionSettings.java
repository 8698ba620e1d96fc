package dev.troupe.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code troupe.redaction}: what is masked in journaled tool calls and in what clients are shown.
 * {@code builtIn} names Troupe's own patterns; {@code custom} adds named regular expressions.
 */
public record RedactionSettings(List<String> builtIn, List<CustomPattern> custom) {
  public static final Set<String> BUILT_IN = Set.of("email", "card-number", "secret");
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

  public record CustomPattern(String name, Pattern regex) {}

  public RedactionSettings {
    builtIn = List.copyOf(builtIn);
    custom = List.copyOf(custom);
  }

  public static RedactionSettings none() {
    return new RedactionSettings(List.of(), List.of());
  }

  public static RedactionSettings create(ConfigReader redaction) {
    List<String> builtIn = redaction.strings("built-in");
    for (int i = 0; i < builtIn.size(); i++) {
      if (!BUILT_IN.contains(builtIn.get(i))) {
        throw new SettingsException(redaction.key("built-in") + "." + i,
            "must be one of " + BUILT_IN.stream().sorted().toList() + ", was '" + builtIn.get(i) + "'");
      }
    }
    List<CustomPattern> custom = new ArrayList<>();
    var list = redaction.objects("custom");
    for (int i = 0; i < list.size(); i++) {
      ConfigReader entry = ConfigReader.of(list.get(i), redaction.key("custom") + "." + i);
      String name = entry.string("name");
      if (!NAME.matcher(name).matches()) {
        throw new SettingsException(entry.key("name"), "must be 1..32 of a-z 0-9 -, was '" + name + "'");
      }
      try {
        custom.add(new CustomPattern(name, Pattern.compile(entry.string("regex"))));
      } catch (PatternSyntaxException e) {
        throw new SettingsException(entry.key("regex"), "not a valid regular expression: " + e.getDescription());
      }
    }
    return new RedactionSettings(builtIn, custom);
  }
}
