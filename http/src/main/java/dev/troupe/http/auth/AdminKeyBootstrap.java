package dev.troupe.http.auth;

import dev.troupe.config.Role;
import dev.troupe.config.TroupeSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * The first admin key (tenant {@code default}): {@code TROUPE_ADMIN_KEY} if set; else, when no
 * keys are configured, the one in {@code <data-dir>/admin.key}, generated on first start,
 * written with mode 600 and printed once. Runs before the ActorSystem starts (it does file I/O).
 */
public final class AdminKeyBootstrap {
  public static final String FILE_NAME = "admin.key";
  public static final String TENANT = "default";
  public static final String KEY_NAME = "admin";
  private static final SecureRandom RANDOM = new SecureRandom();

  private AdminKeyBootstrap() {}

  public static ApiKeys load(TroupeSettings settings, PrintStream console) throws IOException {
    var auth = settings.auth();
    if (auth.adminKey().isPresent()) {
      return ApiKeys.of(auth.keys(), admin(auth.adminKey().get()));
    }
    if (!auth.keys().isEmpty()) {
      return ApiKeys.of(auth.keys(), Map.of());
    }
    Path file = settings.dataDir().resolve(FILE_NAME);
    if (Files.exists(file)) {
      String key = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (key.length() < dev.troupe.config.AuthSettings.MIN_KEY_LENGTH) {
        throw new IOException(file + " does not hold a valid key; delete it to have a new one generated");
      }
      return ApiKeys.of(auth.keys(), admin(key));
    }
    String key = generate();
    write(file, key);
    console.println("Troupe created the first admin key (tenant '" + TENANT + "'). It is shown only now and kept in "
        + file + ":");
    console.println("  " + key);
    return ApiKeys.of(auth.keys(), admin(key));
  }

  static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "trp_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static Map<String, Principal> admin(String key) {
    return Map.of(ApiKeys.sha256Hex(key), new Principal(KEY_NAME, TENANT, Set.of(Role.ADMIN)));
  }

  private static void write(Path file, String key) throws IOException {
    Files.createDirectories(file.getParent());
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system
    } catch (FileAlreadyExistsException e) {
      throw new IOException(file + " appeared while Troupe was starting; is another node using this data dir?", e);
    }
    Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
  }
}
