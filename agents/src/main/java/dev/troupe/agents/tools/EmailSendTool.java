package dev.troupe.agents.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolSpec;
import java.nio.file.Path;
import java.time.Clock;

/** {@code email.send}: sends an e-mail (to the local outbox). Irreversible: it cannot be recalled. */
public final class EmailSendTool extends LocalRecordTool {
  public static final String NAME = "email.send";
  private static final ToolSpec SPEC = spec(NAME, "Sends an e-mail message.", """
      {"type": "object", "additionalProperties": false, "required": ["to", "subject", "body"],
       "properties": {"to": {"type": "string", "pattern": "^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$"},
                      "subject": {"type": "string", "minLength": 1, "maxLength": 300},
                      "body": {"type": "string", "minLength": 1, "maxLength": 20000}}}""", false);

  public EmailSendTool(Path dataDir, Clock clock) {
    super(dataDir, "outbox", clock);
  }

  @Override
  public ToolSpec spec() {
    return SPEC;
  }

  @Override
  String idPrefix() {
    return "msg_";
  }

  @Override
  ObjectNode result(ToolCall call, String id) {
    return JSON.createObjectNode().put("messageId", id).put("status", "sent");
  }
}
