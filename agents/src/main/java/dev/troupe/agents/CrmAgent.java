package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.agents.tools.CrmRecordTool;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * {@code crm.record-client}: records an onboarded client in the CRM (a reversible tool).
 * {@code {"client": "...", "status"?: "...", "notes"?: "..."}} → {@code {"crmId": "..."}}. Remembers
 * each client's CRM id, so a later step for the same client says so.
 */
public final class CrmAgent implements Agent {
  public static final String CAPABILITY = "crm.record-client";

  @Override
  public AgentDefinition definition() {
    return AgentDefinition.builder("crm-clerk")
        .role("Keeps client records in the CRM up to date.")
        .capability(CAPABILITY, Duration.ofSeconds(2), "0")
        .tools(CrmRecordTool.NAME)
        .build();
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    // A wrong input throws Inputs.Invalid: the step fails for good.
    String client = Inputs.text(step.input(), "client");
    step.memory().note("crm:" + client).ifPresent(id -> step.note(client + " was recorded before as " + id));
    ObjectNode record = JsonNodeFactory.instance.objectNode();
    record.put("client", client);
    record.put("status", Inputs.optionalText(step.input(), "status").orElse("onboarding"));
    Inputs.optionalText(step.input(), "notes").ifPresent(notes -> record.put("notes", notes));
    return step.tools().call(CrmRecordTool.NAME, record).thenApply(result -> {
      String crmId = result.get("crmId").asText();
      step.memory().remember("crm:" + client, crmId);
      return StepOutcome.completed(JsonNodeFactory.instance.objectNode().put("crmId", crmId).put("client", client), 1.0);
    });
  }
}
