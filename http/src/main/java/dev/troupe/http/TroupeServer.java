package dev.troupe.http;

import com.typesafe.config.Config;
import dev.troupe.agents.BuiltIns;
import dev.troupe.config.SettingsException;
import dev.troupe.config.TroupeSettings;
import dev.troupe.http.auth.AdminKeyBootstrap;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.sdk.TroupeComponents;
import java.io.IOException;
import java.util.concurrent.CompletionException;

/**
 * {@code java -jar troupe.jar}: reads and validates the configuration, settles the first admin
 * key, and starts one node with the built-in agents. Exits 2 on bad configuration with one
 * line naming the key, 1 if the node cannot start. {@code java -jar troupe.jar audit ...} runs the
 * auditor's command instead ({@link AuditCommand}).
 */
public final class TroupeServer {
  private TroupeServer() {}

  public static void main(String[] args) {
    if (args.length > 0) {
      if (!args[0].equals("audit")) {
        System.err.println("unknown command '" + args[0] + "': run without arguments for the server, or 'audit --help'");
        System.exit(2);
      }
      // Before anything logs: the audit command's output is stdout, so its logs go to stderr.
      System.setProperty("logback.configurationFile", "logback-audit.xml");
      java.io.PrintWriter out = new java.io.PrintWriter(new java.io.OutputStreamWriter(System.out,
          java.nio.charset.StandardCharsets.UTF_8), false);
      java.io.PrintWriter err = new java.io.PrintWriter(new java.io.OutputStreamWriter(System.err,
          java.nio.charset.StandardCharsets.UTF_8), true);
      System.exit(AuditCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err));
    }
    Config config;
    TroupeSettings settings;
    ApiKeys keys;
    TroupeComponents components;
    try {
      config = TroupeSettings.load();
      settings = TroupeSettings.create(config);
      components = BuiltIns.components(settings);
      keys = AdminKeyBootstrap.load(settings, System.out);
    } catch (SettingsException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    } catch (IOException e) {
      System.err.println("troupe.data-dir: " + e.getMessage());
      System.exit(2);
      return;
    }
    TroupeNode node = TroupeNode.start(config, settings, keys, components);
    try {
      node.started().toCompletableFuture().join()
          // The journal's database closed itself (a full disk): this process cannot write again.
          // It says so on /health/ready for a few seconds, then exits 75 for its supervisor to
          // restart it once there is room.
          .journalHealth().onLost(() -> {
            System.err.println("Troupe stops: the journal cannot write again in this process; exit 75 (restart it)");
            java.util.concurrent.CompletableFuture.delayedExecutor(JOURNAL_LOST_EXIT_AFTER.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> System.exit(EXIT_JOURNAL_LOST));
          });
    } catch (CompletionException e) {
      // A registration the runtime refuses (an agent's tier no model serves, an ungranted tool, a
      // tier naming a model the code did not register) is a configuration error: exit 2, like a bad setting.
      Throwable misconfigured = null;
      for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
        if (t instanceof IllegalArgumentException) {
          misconfigured = t;
          break;
        }
      }
      System.err.println(misconfigured != null ? misconfigured.getMessage()
          : "Troupe cannot start: " + describe(e.getCause()));
      node.system().terminate();
      System.exit(misconfigured != null ? 2 : 1);
    }
  }

  /** The exit code when the journal is lost for this process (EX_TEMPFAIL: try again later). */
  static final int EXIT_JOURNAL_LOST = 75;
  static final java.time.Duration JOURNAL_LOST_EXIT_AFTER = java.time.Duration.ofSeconds(5);

  private static String describe(Throwable error) {
    StringBuilder text = new StringBuilder(String.valueOf(error.getMessage()));
    for (Throwable t = error.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      text.append(": ").append(t.getMessage());
    }
    return text.toString();
  }
}
