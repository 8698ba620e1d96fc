package dev.troupe.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;

/**
 * Computes the link of a journal entry, over its JSON as the ObjectMapper that stores the event
 * writes it, so the writer and a later verifier agree byte for byte.
 *
 * <p>Keyed links (the stamp names its key): {@code HMAC-SHA-256(key, prevHash ||
 * JCS({"event": event, "stamp": stamp without "hash"}))}, with RFC 8785's canonical form, so a
 * verifier in another language that holds the key can recompute them. Unkeyed links, written
 * before keys: SHA-256 over Troupe's earlier canonical form; they still verify, unless the key
 * file refuses them.
 */
public final class AuditHasher {
  private final ObjectMapper mapper;
  private final AuditKeys keys;

  public AuditHasher(ObjectMapper mapper, AuditKeys keys) {
    this.mapper = mapper;
    this.keys = keys;
  }

  /** Links without a key (journals and tests from before keyed links). */
  public AuditHasher(ObjectMapper mapper) {
    this(mapper, AuditKeys.none());
  }

  public AuditKeys keys() {
    return keys;
  }

  /** The key id new links are made with; null when there are no keys. */
  String currentKeyId() {
    return keys.currentId().orElse(null);
  }

  /**
   * The JSON as the journal stores it, read back with exact numbers: a tree built in memory can
   * hold number kinds the stored text does not (a float, a decimal with trailing zeros), which
   * would give the link one form when written and another when verified. Going through the text
   * makes the kind of every number follow from its literal alone, as for a verifier outside Java.
   */
  private JsonNode asStored(ObjectNode content) {
    try {
      return EXACT.readTree(mapper.writeValueAsBytes(content));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("an event that cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  private static final ObjectMapper EXACT = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  /** The hash {@code stamp} must carry for {@code event}, given the stamp's {@code prevHash} and key id. */
  public String hashOf(AuditStamp stamp, DomainEvent event) {
    ObjectNode content = mapper.createObjectNode();
    ObjectNode stampNode = mapper.valueToTree(stamp.withoutHash());
    stampNode.remove("hash");
    if (stamp.keyId() == null) {
      stampNode.remove("keyId"); // the unkeyed rule's stamp had no such field
      content.set("stamp", stampNode);
      content.set("event", mapper.valueToTree(event));
      MessageDigest sha = CanonicalJson.sha256();
      sha.update(stamp.prevHash().getBytes(StandardCharsets.US_ASCII));
      sha.update(CanonicalJson.bytes(mapper, content));
      return HexFormat.of().formatHex(sha.digest());
    }
    content.set("stamp", stampNode);
    content.set("event", mapper.valueToTree(event));
    Mac mac = keys.mac(stamp.keyId());
    mac.update(stamp.prevHash().getBytes(StandardCharsets.US_ASCII));
    mac.update(Jcs.bytes(asStored(content)));
    return HexFormat.of().formatHex(mac.doFinal());
  }
}
