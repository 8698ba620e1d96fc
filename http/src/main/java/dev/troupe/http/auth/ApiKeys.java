package dev.troupe.http.auth;

import dev.troupe.config.ConfiguredKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The keys this node accepts, held only as SHA-256 hashes. A presented key is hashed and the
 * hash looked up, then compared in constant time, so timing says nothing about the secret.
 */
public final class ApiKeys {
  private final Map<String, Entry> byHash;
  /** Keys created over the API (from the key rings' journal); configured keys cannot be shadowed. */
  private final Map<String, Entry> created = new java.util.concurrent.ConcurrentHashMap<>();
  /** Revoked for good: a late copy of the key's creation (from the journal feed) cannot bring it back. */
  private final java.util.Set<String> revoked = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private record Entry(byte[] hash, Principal principal) {}

  public ApiKeys(Map<String, Principal> principalsByHashHex) {
    Map<String, Entry> entries = new HashMap<>();
    principalsByHashHex.forEach((hex, principal) -> entries.put(hex, new Entry(HexFormat.of().parseHex(hex), principal)));
    this.byHash = Map.copyOf(entries);
  }

  public static ApiKeys of(Iterable<ConfiguredKey> keys, Map<String, Principal> extra) {
    Map<String, Principal> all = new HashMap<>(extra);
    for (ConfiguredKey key : keys) {
      all.put(key.sha256Hex(), new Principal(key.name(), key.tenant(), key.roles()));
    }
    return new ApiKeys(all);
  }

  public Optional<Principal> authenticate(String presentedKey) {
    byte[] hash = sha256(presentedKey);
    String hex = HexFormat.of().formatHex(hash);
    Entry entry = byHash.get(hex);
    if (entry == null) {
      entry = created.get(hex);
    }
    if (entry == null || !MessageDigest.isEqual(entry.hash(), hash)) {
      return Optional.empty();
    }
    return Optional.of(entry.principal());
  }

  public int size() {
    return byHash.size() + created.size();
  }

  /** Accepts a key created over the API, by the hash of it. */
  public void register(String sha256Hex, Principal principal) {
    if (!byHash.containsKey(sha256Hex) && !revoked.contains(sha256Hex)) {
      created.put(sha256Hex, new Entry(HexFormat.of().parseHex(sha256Hex), principal));
    }
  }

  /** Refuses a revoked key from now on. */
  public void revoke(String sha256Hex) {
    revoked.add(sha256Hex);
    created.remove(sha256Hex);
  }

  /** Whether a configured key (not one created over the API) has this name in this tenant. */
  public boolean isConfigured(String tenant, String name) {
    return byHash.values().stream().anyMatch(e -> e.principal().tenant().equals(tenant)
        && e.principal().keyName().equals(name));
  }

  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  private static byte[] sha256(String key) {
    return dev.troupe.persistence.CanonicalJson.sha256().digest(key.getBytes(StandardCharsets.UTF_8));
  }
}
