package dev.troupe.agents.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.nio.file.Path;
import java.time.Clock;

/** {@code billing.trigger}: starts billing a client. Irreversible: an invoice run cannot be recalled. */
public final class BillingTriggerTool extends LocalRecordTool {
  public static final String NAME = "billing.trigger";
  private static final ToolSpec SPEC = spec(NAME, "Starts the invoice run for a client.", """
      {"type": "object", "additionalProperties": false, "required": ["client", "amountEur", "plan"],
       "properties": {"client": {"type": "string", "minLength": 1, "maxLength": 200},
                      "amountEur": {"type": "number", "exclusiveMinimum": 0, "maximum": 10000000},
                      "plan": {"enum": ["monthly", "quarterly", "yearly"]}}}""", false);

  public BillingTriggerTool(Path dataDir, Clock clock) {
    super(dataDir, "billing", clock);
  }

  @Override
  public ToolSpec spec() {
    return SPEC;
  }

  @Override
  String idPrefix() {
    return "bil_";
  }

  @Override
  ObjectNode result(ToolCall call, String id) {
    return JSON.createObjectNode().put("invoiceRunId", id).put("status", "scheduled");
  }
}
