package dev.troupe.sdk;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * What a model charges, in US dollars per million tokens. A budget reserves a call's worst case
 * at these prices before the call is made.
 */
public record ModelPricing(BigDecimal usdPerMillionInputTokens, BigDecimal usdPerMillionOutputTokens) {
  /** Free (the built-in local model), or not declared: money is then settled after the call only. */
  public static final ModelPricing FREE = new ModelPricing(BigDecimal.ZERO, BigDecimal.ZERO);
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  public ModelPricing {
    if (usdPerMillionInputTokens == null || usdPerMillionInputTokens.signum() < 0
        || usdPerMillionOutputTokens == null || usdPerMillionOutputTokens.signum() < 0) {
      throw new IllegalArgumentException("prices must be zero or more");
    }
  }

  public BigDecimal costOf(long inputTokens, long outputTokens) {
    return usdPerMillionInputTokens.multiply(BigDecimal.valueOf(inputTokens))
        .add(usdPerMillionOutputTokens.multiply(BigDecimal.valueOf(outputTokens)))
        .divide(MILLION, MathContext.DECIMAL64);
  }
}
