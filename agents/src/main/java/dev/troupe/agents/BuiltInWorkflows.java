package dev.troupe.agents;

import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.troupe.runtime.workflow.Condition;
import dev.troupe.runtime.workflow.JoinPolicy;
import dev.troupe.runtime.workflow.RejectPolicy;
import dev.troupe.runtime.workflow.Workflow;
import dev.troupe.runtime.workflow.WorkflowDefinition;
import java.util.List;

/** The two example workflows, registered at start (an unchanged definition keeps its version). */
public final class BuiltInWorkflows {
  private BuiltInWorkflows() {}

  /**
   * {@code {"client": "Acme Ltd", "documents": ["...", ...], "monthlyFeeEur"?: 4000}}: summarize
   * the documents → compliance check → (only if approved) draft the engagement letter → record
   * in the CRM (reversible) → start billing (irreversible: waits for approval).
   */
  public static WorkflowDefinition clientOnboarding() {
    return Workflow.builder("client-onboarding")
        .description("Onboard a new client: documents, compliance, engagement letter, CRM, billing.")
        .step("summarize", SummarizerAgent.DOCUMENTS)
            .input("{\"documents\": \"${input.documents}\"}").done()
        .step("compliance", ComplianceAgent.CAPABILITY).after("summarize")
            .input("{\"client\": \"${input.client}\", \"summary\": \"${steps.summarize.output.summary}\"}").done()
        .step("letter", LetterAgent.CAPABILITY).after("summarize", "compliance")
            .when(Condition.equalTo("steps.compliance.output.approved", BooleanNode.TRUE))
            .input("{\"client\": \"${input.client}\", \"summary\": \"${steps.summarize.output.summary}\"}").done()
        .step("crm", CrmAgent.CAPABILITY).after("letter")
            .input("{\"client\": \"${input.client}\", \"status\": \"onboarding\", \"notes\": \"Engagement letter drafted.\"}")
            .done()
        .step("billing", BillingAgent.CAPABILITY).after("crm")
            .input("{\"client\": \"${input.client}\", \"amountEur\": \"${input.monthlyFeeEur}\", \"plan\": \"monthly\"}")
            .done()
        .output("{\"compliance\": \"${steps.compliance.output}\", \"letter\": \"${steps.letter.output.letter}\","
            + " \"crmId\": \"${steps.crm.output.crmId}\"}")
        .build();
  }

  /**
   * {@code {"company": "Acme Ltd", "contacts": ["a@acme.test", ...], "notes"?: "..."}}: research the
   * company → draft one message per contact, in parallel → send them (irreversible: each waits for
   * approval; a rejected message is skipped, not sent) → compile a report.
   */
  public static WorkflowDefinition researchOutreach() {
    return Workflow.builder("research-outreach")
        .description("Research a company, write to each contact, send after approval, report.")
        .step("research", ResearchAgent.CAPABILITY)
            .input("{\"company\": \"${input.company}\", \"notes\": \"${input.notes}\"}").done()
        .step("draft", OutreachWriterAgent.CAPABILITY).after("research")
            .forEach("${input.contacts}", "contact", JoinPolicy.ALL, null)
            .input("{\"company\": \"${input.company}\", \"contact\": \"${contact}\","
                + " \"profile\": \"${steps.research.output.profile}\"}").done()
        .step("send", OutreachSenderAgent.CAPABILITY).after("draft")
            .forEach("${steps.draft.output.items}", "message", JoinPolicy.ALL, null)
            // A message the approver turns down is not sent; the others still are, and the report follows.
            .onReject(RejectPolicy.SKIP)
            .input("\"${message}\"").done()
        .step("report", ReportAgent.CAPABILITY).after("research", "draft", "send")
            .input("{\"company\": \"${input.company}\", \"messages\": \"${steps.draft.output.items}\","
                + " \"profile\": \"${steps.research.output.profile}\"}").done()
        .build();
  }

  /**
   * {@code {"companies": ["Acme Ltd", ...], "notes"?: {"Acme Ltd": "..."}}}: a planner decomposes
   * the briefing into one research subtask per company (run in parallel through the marketplace),
   * then a writer combines the results.
   */
  public static WorkflowDefinition companyBriefing() {
    return Workflow.builder("company-briefing")
        .description("Plan research per company, run it in parallel, combine it into one briefing.")
        .step("plan", BriefingPlannerAgent.CAPABILITY).plans()
            .input("{\"companies\": \"${input.companies}\", \"notes\": \"${input.notes}\"}").done()
        .step("compile", BriefingWriterAgent.CAPABILITY).after("plan")
            .input("{\"results\": \"${steps.plan.output.results}\"}").done()
        .build();
  }

  public static List<WorkflowDefinition> all() {
    return List.of(clientOnboarding(), researchOutreach(), companyBriefing());
  }
}
