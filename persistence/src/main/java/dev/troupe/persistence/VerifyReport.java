package dev.troupe.persistence;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The result of walking one entity's hash chain: {@code ok} with the number of events, or the
 * first sequence number at which the chain is broken and why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VerifyReport(boolean ok, long events, Long firstBadSeq, String reason) {
  public static VerifyReport ok(long events) {
    return new VerifyReport(true, events, null, null);
  }

  public static VerifyReport broken(long events, long firstBadSeq, String reason) {
    return new VerifyReport(false, events, firstBadSeq, reason);
  }
}
