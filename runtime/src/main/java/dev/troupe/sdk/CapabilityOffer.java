package dev.troupe.sdk;

import java.util.Objects;
import java.util.regex.Pattern;

/** A capability an agent offers (e.g. {@code text.summarize}) with its SLA. */
public record CapabilityOffer(String capability, Sla sla) {
  static final Pattern NAME = Pattern.compile("[a-z0-9]+(\\.[a-z0-9-]+)+");

  public CapabilityOffer {
    if (capability == null || !NAME.matcher(capability).matches()) {
      throw new IllegalArgumentException("capability must look like 'text.summarize', was " + capability);
    }
    Objects.requireNonNull(sla, "sla");
  }
}
