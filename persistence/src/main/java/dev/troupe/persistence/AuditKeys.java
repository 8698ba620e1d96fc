package dev.troupe.persistence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret keys that link the audit chain (HMAC-SHA-256), kept outside the journal, so whoever
 * can write the journal's database cannot recompute a link after changing an event.
 *
 * <p>The key file is text: one key per line, {@code <id> <base64 of at least 32 bytes>}; the last
 * line is the key new events are linked with, earlier ones still verify the events they linked
 * (rotation: append a line, restart); along one chain key ids only move forward. Lines starting
 * with {@code #} are comments, except {@code # unkeyed-events: refuse} or {@code # unkeyed-events:
 * accept-before <instant>}: links without a key (the rule before keyed links) are refused, or
 * accepted only when stamped before that instant and before any keyed link of their chain. A file
 * made for a new journal refuses them; one made for a journal from before keyed links accepts
 * them before the moment it was made; a file without the line refuses them.
 */
public final class AuditKeys {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");
  private static final int MIN_KEY_BYTES = 32;
  private static final String UNKEYED = "# unkeyed-events:";

  private final Map<String, byte[]> keys;
  private final List<String> order;
  private final String currentId;
  private final Instant unkeyedBefore;

  private AuditKeys(Map<String, byte[]> keys, List<String> order, Instant unkeyedBefore) {
    this.keys = Map.copyOf(keys);
    this.order = List.copyOf(order);
    this.currentId = order.isEmpty() ? null : order.get(order.size() - 1);
    this.unkeyedBefore = unkeyedBefore;
  }

  /** No keys: events are linked by plain SHA-256 as before keyed links (tests of old journals). */
  public static AuditKeys none() {
    return new AuditKeys(Map.of(), List.of(), Instant.MAX);
  }

  /**
   * Keys in rotation order, the last one current; unkeyed links accepted when stamped before
   * {@code unkeyedBefore} ({@code null}: never).
   */
  public static AuditKeys of(Map<String, byte[]> inOrder, Instant unkeyedBefore) {
    if (inOrder.isEmpty()) {
      throw new IllegalArgumentException("at least one key");
    }
    for (var key : inOrder.entrySet()) {
      check(key.getKey(), key.getValue(), "key " + key.getKey());
    }
    return new AuditKeys(inOrder, new ArrayList<>(inOrder.keySet()), unkeyedBefore);
  }

  /** Reads {@code file}; a file that does not parse fails with a message naming the line. */
  public static AuditKeys load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the audit key file " + file + ": " + e.getMessage(), e);
    }
    Map<String, byte[]> keys = new LinkedHashMap<>();
    Instant unkeyedBefore = null;
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      String where = file + " line " + (n + 1);
      if (line.replace(" ", "").startsWith(UNKEYED.replace(" ", ""))) {
        unkeyedBefore = unkeyedRule(line.substring(line.indexOf(':') + 1).strip(), where);
        continue;
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(where + ": expected '<id> <base64 key>'");
      }
      byte[] key;
      try {
        key = Base64.getDecoder().decode(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": the key is not base64"); // the cause would quote it
      }
      check(parts[0], key, where);
      if (keys.put(parts[0], key) != null) {
        throw new IllegalArgumentException(where + ": key id " + parts[0] + " appears twice");
      }
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(file + ": no key in the audit key file");
    }
    return of(keys, unkeyedBefore);
  }

  private static Instant unkeyedRule(String rule, String where) {
    if (rule.equals("refuse")) {
      return null;
    }
    if (rule.startsWith("accept-before ")) {
      try {
        return Instant.parse(rule.substring("accept-before ".length()).strip());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(where + ": accept-before needs an instant such as 2026-11-30T00:00:00Z");
      }
    }
    throw new IllegalArgumentException(where + ": unkeyed-events is 'refuse' or 'accept-before <instant>'");
  }

  /** Whether, and how, a missing key file may be made. */
  public enum Missing {
    /** The journal is new: make the file, refusing unkeyed links. */
    CREATE_FOR_NEW_JOURNAL,
    /** The journal predates keyed links: make the file, accepting unkeyed links stamped before now. */
    CREATE_FOR_OLD_JOURNAL,
    /** The journal has keyed links, or the path was configured: a missing file is an error. */
    REFUSE
  }

  /**
   * Reads {@code file}, or, when {@code missing} allows, creates it with one new random key. A
   * missing file is never made up when the journal already has keyed links: with a new key none of
   * them would verify, which would look just like tampering.
   */
  public static AuditKeys loadOrCreate(Path file, Missing missing, java.time.Clock clock) {
    if (Files.exists(file)) {
      return load(file);
    }
    if (missing == Missing.REFUSE) {
      throw new IllegalArgumentException(file + " does not exist, and the journal's links need the keys it held:"
          + " restore it from backup (a new file is made only for a new journal or one from before keyed links)");
    }
    byte[] key = new byte[MIN_KEY_BYTES];
    new SecureRandom().nextBytes(key);
    String rule = missing == Missing.CREATE_FOR_NEW_JOURNAL ? "refuse" : "accept-before " + clock.instant();
    String text = "# Troupe's audit chain keys: '<id> <base64 key>', the last line current; append a line to rotate.\n"
        + "# Keep this file apart from the journal's database and back it up: without it no link verifies.\n"
        + UNKEYED + " " + rule + "\n"
        + "k1 " + Base64.getEncoder().encodeToString(key) + "\n";
    PrivateFiles.create(file, text);
    return load(file);
  }

  private static void check(String id, byte[] key, String where) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(where + ": a key id is 1 to 32 letters, digits, '.', '_' or '-'");
    }
    if (key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(where + ": a key needs at least " + MIN_KEY_BYTES + " bytes, was "
          + key.length);
    }
  }

  /** The id new events are linked with; empty when there are no keys. */
  public Optional<String> currentId() {
    return Optional.ofNullable(currentId);
  }

  /** Whether a link without a key, stamped at {@code at}, may be accepted. */
  public boolean acceptsUnkeyedAt(Instant at) {
    return unkeyedBefore != null && at != null && at.isBefore(unkeyedBefore);
  }

  /** The place of key {@code id} in the rotation, or -1; along a chain it may only grow. */
  public int indexOf(String id) {
    return order.indexOf(id);
  }

  /** A fresh MAC under key {@code id} (a Mac is not thread-safe; making one is cheap). */
  Mac mac(String id) {
    byte[] key = keys.get(id);
    if (key == null) {
      throw new UnknownKeyException(id);
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  /** A link was made with a key this node does not have. */
  public static final class UnknownKeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnknownKeyException(String id) {
      super("the event is linked with key " + id + ", which is not in the audit key file");
    }
  }

  @Override
  public String toString() {
    return "AuditKeys" + order + (currentId == null ? "" : " current " + currentId)
        + (unkeyedBefore == null ? ", unkeyed refused" : ", unkeyed accepted before " + unkeyedBefore);
  }
}
