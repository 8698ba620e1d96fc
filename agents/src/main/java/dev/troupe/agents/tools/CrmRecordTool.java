package dev.troupe.agents.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.nio.file.Path;
import java.time.Clock;

/** {@code crm.record}: records a client in the (local) CRM. Reversible: a record can be edited. */
public final class CrmRecordTool extends LocalRecordTool {
  public static final String NAME = "crm.record";
  private static final ToolSpec SPEC = spec(NAME, "Creates or updates a client record in the CRM.", """
      {"type": "object", "additionalProperties": false, "required": ["client", "status"],
       "properties": {"client": {"type": "string", "minLength": 1, "maxLength": 200},
                      "status": {"enum": ["prospect", "onboarding", "active", "closed"]},
                      "notes": {"type": "string", "maxLength": 5000}}}""", true);

  public CrmRecordTool(Path dataDir, Clock clock) {
    super(dataDir, "crm", clock);
  }

  @Override
  public ToolSpec spec() {
    return SPEC;
  }

  @Override
  String idPrefix() {
    return "crm_";
  }

  @Override
  ObjectNode result(ToolCall call, String id) {
    return JSON.createObjectNode().put("crmId", id).put("client", call.input().get("client").asText());
  }
}
