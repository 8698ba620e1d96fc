package dev.troupe.runtime.model;

/**
 * Tool names as providers take them. Troupe's tool names look like {@code crm.record}; OpenAI's
 * function names allow only {@code [a-zA-Z0-9_-]}. A Troupe name never holds an underscore, so
 * dots become underscores on the way out and underscores dots on the way back, without loss.
 * The journal keeps the real name.
 */
public final class ToolNames {
  private ToolNames() {}

  public static String toProvider(String toolName) {
    return toolName.replace('.', '_');
  }

  public static String fromProvider(String providerName) {
    return providerName.replace('_', '.');
  }
}
