package dev.troupe.persistence;

/** The last link of an entity's hash chain: what the next event's stamp chains to. */
public record ChainHead(long seq, String hash) {
  /** The {@code prevHash} of an entity's first event. */
  public static final String GENESIS = "0".repeat(64);

  public static final ChainHead EMPTY = new ChainHead(0, GENESIS);

  public ChainHead after(AuditStamp stamp) {
    return new ChainHead(stamp.seq(), stamp.hash());
  }
}
