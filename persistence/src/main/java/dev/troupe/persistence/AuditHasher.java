package dev.troupe.persistence;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Computes the hash of a journal entry over its canonical JSON, produced by the same
 * ObjectMapper that stores the event, so the writer and a later verifier agree byte for byte.
 */
public final class AuditHasher {
  private final ObjectMapper mapper;

  public AuditHasher(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The hash {@code stamp} must carry for {@code event}, given the stamp's {@code prevHash}. */
  public String hashOf(AuditStamp stamp, DomainEvent event) {
    ObjectNode content = mapper.createObjectNode();
    ObjectNode stampNode = mapper.valueToTree(stamp.withoutHash());
    stampNode.remove("hash");
    content.set("stamp", stampNode);
    content.set("event", mapper.valueToTree(event));
    MessageDigest sha = CanonicalJson.sha256();
    sha.update(stamp.prevHash().getBytes(StandardCharsets.US_ASCII));
    sha.update(CanonicalJson.bytes(mapper, content));
    return HexFormat.of().formatHex(sha.digest());
  }
}
