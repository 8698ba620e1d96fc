package dev.troupe.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Signed checkpoints of every entity's chain head, written outside the journal: what a chain
 * alone cannot show (its last events removed, a whole entity deleted, links recomputed by someone
 * holding the key) shows as a difference from the last checkpoint.
 *
 * <p>A checkpoint is a JSON file {@code {"at", "heads": [{"persistenceId", "seq", "hash"}],
 * "signature"}}; the signature is Ed25519 (the JDK's) over the RFC 8785 form of the rest, so it
 * can be checked outside Java with the public key. The key pair lives in its own file, created on
 * first use; the newest {@link #KEEP} checkpoints are kept.
 */
public final class AuditCheckpoints {
  /** How many checkpoint files are kept; older ones are deleted as new ones are written. */
  public static final int KEEP = 50;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final Path dir;

  private AuditCheckpoints(KeyPair keys, Path dir) {
    this.privateKey = keys.getPrivate();
    this.publicKey = keys.getPublic();
    this.dir = dir;
  }

  /** One entity's chain head: its last event's sequence number and link. */
  public record Head(String persistenceId, long seq, String hash) {}

  /** The heads of every entity at one moment. */
  public record Checkpoint(Instant at, List<Head> heads) {
    public Checkpoint {
      heads = List.copyOf(heads);
    }
  }

  /** A checkpoint file that is not what this node signed. */
  public static final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
      super(message);
    }
  }

  /** Opens the key pair in {@code keyFile} (made on first use) and the checkpoints in {@code dir}. */
  public static AuditCheckpoints open(Path keyFile, Path dir) {
    try {
      Files.createDirectories(dir);
      return new AuditCheckpoints(Files.exists(keyFile) ? read(keyFile) : create(keyFile), dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the audit checkpoints (" + keyFile + ", " + dir + ")", e);
    }
  }

  private static KeyPair read(Path keyFile) throws IOException {
    String privateText = null;
    String publicText = null;
    for (String line : Files.readAllLines(keyFile, StandardCharsets.UTF_8)) {
      String[] parts = line.strip().split("\\s+");
      if (parts.length == 2 && parts[0].equals("private")) {
        privateText = parts[1];
      } else if (parts.length == 2 && parts[0].equals("public")) {
        publicText = parts[1];
      }
    }
    if (privateText == null || publicText == null) {
      throw new IllegalArgumentException(keyFile + ": expected a 'private <base64>' and a 'public <base64>' line");
    }
    try {
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicText))),
          factory.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(privateText))));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(keyFile + ": not an Ed25519 key pair", e);
    }
  }

  private static KeyPair create(Path keyFile) throws IOException {
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has Ed25519 since 15", e);
    }
    String text = "# Troupe's audit checkpoint key (Ed25519). Give auditors the public line; keep the private one apart"
        + " from the journal.\n"
        + "private " + Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n"
        + "public " + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n";
    PrivateFiles.create(keyFile, text);
    return read(keyFile); // another starter's pair, if it made the file first

  }

  /** The public key (X.509, base64) that checks this node's checkpoints. */
  public String publicKey() {
    return Base64.getEncoder().encodeToString(publicKey.getEncoded());
  }

  /** Signs and writes {@code checkpoint}; the file appears whole or not at all. */
  public Path write(Checkpoint checkpoint) {
    ObjectNode body = body(checkpoint);
    body.put("signature", Base64.getEncoder().encodeToString(sign(Jcs.bytes(body))));
    Path file = dir.resolve(String.format("checkpoint-%019d.json", checkpoint.at().toEpochMilli()));
    Path partial = null;
    try {
      partial = Files.createTempFile(dir, "checkpoint-", ".partial");
      Files.write(partial, JSON.writeValueAsBytes(body));
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      prune();
    } catch (IOException e) {
      try {
        if (partial != null) {
          Files.deleteIfExists(partial);
        }
      } catch (IOException ignored) {
        // the write's own failure is what matters
      }
      throw new UncheckedIOException("cannot write the audit checkpoint " + file, e);
    }
    return file;
  }

  /** The newest checkpoint, its signature checked; empty when none was written yet. */
  public Optional<Checkpoint> latest() {
    List<Path> files = files();
    if (files.isEmpty()) {
      return Optional.empty();
    }
    Path newest = files.get(files.size() - 1);
    try {
      JsonNode stored = JSON.readTree(newest.toFile());
      ObjectNode body = ((ObjectNode) stored).deepCopy();
      body.remove("signature");
      if (!verify(Jcs.bytes(body), Base64.getDecoder().decode(stored.path("signature").asText("")))) {
        throw new CheckpointException(newest.getFileName() + ": its signature does not verify with this node's"
            + " checkpoint key (the file was changed or replaced)");
      }
      List<Head> heads = new ArrayList<>();
      stored.path("heads").forEach(head -> heads.add(new Head(head.path("persistenceId").asText(),
          head.path("seq").asLong(), head.path("hash").asText())));
      return Optional.of(new Checkpoint(Instant.parse(stored.path("at").asText()), heads));
    } catch (IOException | ClassCastException | IllegalArgumentException | java.time.DateTimeException e) {
      throw new CheckpointException(newest.getFileName() + ": cannot be read as a checkpoint: " + e.getMessage());
    }
  }

  private static ObjectNode body(Checkpoint checkpoint) {
    ObjectNode body = JSON.createObjectNode();
    body.put("at", checkpoint.at().toString());
    ArrayNode heads = body.putArray("heads");
    checkpoint.heads().stream().sorted(Comparator.comparing(Head::persistenceId)).forEach(head -> heads.addObject()
        .put("persistenceId", head.persistenceId()).put("seq", head.seq()).put("hash", head.hash()));
    return body;
  }

  private byte[] sign(byte[] bytes) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(privateKey);
      signature.update(bytes);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a checkpoint", e);
    }
  }

  private boolean verify(byte[] bytes, byte[] signed) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initVerify(publicKey);
      signature.update(bytes);
      return signature.verify(signed);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private List<Path> files() {
    try (Stream<Path> listing = Files.list(dir)) {
      return listing.filter(p -> p.getFileName().toString().matches("checkpoint-\\d{19}\\.json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the audit checkpoints in " + dir, e);
    }
  }

  private void prune() throws IOException {
    List<Path> files = files();
    for (int i = 0; i < files.size() - KEEP; i++) {
      Files.deleteIfExists(files.get(i));
    }
  }
}
