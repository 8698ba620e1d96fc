package dev.troupe.runtime.workflow;

import static dev.troupe.runtime.workflow.Workflow.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.BooleanNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkflowValidatorTest {
  private static final Set<String> KNOWN = Set.of("documents.summarize", "compliance.check", "letter.draft");

  private static List<String> problems(WorkflowDefinition definition) {
    return WorkflowValidator.problems(definition, KNOWN::contains);
  }

  @Test
  void aGoodDefinitionHasNoProblems() {
    WorkflowDefinition good = Workflow.builder("onboarding")
        .step("summarize", "documents.summarize").input("{\"documents\": \"${input.documents}\"}").done()
        .step("check", "compliance.check").after("summarize")
            .input("{\"summary\": \"${steps.summarize.output.summary}\"}").done()
        .step("letter", "letter.draft").after("check")
            .when(Condition.equalTo("steps.check.output.approved", BooleanNode.TRUE))
            .loop(Condition.present("steps.letter.output.letter"), 3)
            .input("{\"summary\": \"${steps.summarize.output.summary}\", \"draft\": \"${steps.letter.output}\"}").done()
        .output("{\"letter\": \"${steps.letter.output.letter}\"}")
        .build();
    assertEquals(List.of(), problems(good));
  }

  @Test
  void unknownStepReferencesAndCapabilitiesAreNamedByPath() {
    WorkflowDefinition bad = Workflow.builder("onboarding")
        .step("summarize", "documents.summarise").done()
        .step("check", "compliance.check").after("sumarize").done()
        .build();
    assertEquals(List.of(
        "steps[0].capability: unknown capability 'documents.summarise'",
        "steps[1].after[0]: unknown step 'sumarize'"), problems(bad));
  }

  @Test
  void cyclesAreFound() {
    WorkflowDefinition cyclic = Workflow.builder("loopy")
        .step("a", "documents.summarize").after("c").done()
        .step("b", "compliance.check").after("a").done()
        .step("c", "letter.draft").after("b").done()
        .build();
    assertEquals(List.of("steps: cycle a → c → b → a"), problems(cyclic));
  }

  @Test
  void everyLoopNeedsAMaximumAndACondition() {
    WorkflowDefinition unbounded = new WorkflowDefinition("loop", null, List.of(new WorkflowStep("refine",
        "letter.draft", null, List.of(), null, null, new Loop(null, null), null)), null);
    assertEquals(List.of("steps[0].loop.max: every loop needs a maximum",
        "steps[0].loop.until: a loop needs a condition to stop on"), problems(unbounded));
  }

  @Test
  void referencesMustComeFromStepsTheStepWaitsFor() {
    WorkflowDefinition bad = Workflow.builder("refs")
        .step("a", "documents.summarize").done()
        .step("b", "compliance.check").input("{\"x\": \"${steps.a.output.summary}\", \"y\": \"${steps.zz.output}\","
            + " \"z\": \"${secrets.key}\"}").done()
        .build();
    assertEquals(List.of(
        "steps[1].input: 'steps.a.output.summary' uses step 'a', which this step does not wait for (add it to after)",
        "steps[1].input: 'steps.zz.output' refers to unknown step 'zz'",
        "steps[1].input: 'secrets.key' must start with input, steps.<id>.output"), problems(bad));
  }

  @Test
  void fanOutsAndOtherFieldsAreChecked() {
    WorkflowDefinition bad = new WorkflowDefinition("Bad Name", null, List.of(
        new WorkflowStep("fan", "documents.summarize", json("\"just text\""), List.of(), null,
            new ForEach("input.list", "input", JoinPolicy.QUORUM, null), null, Duration.ofDays(2)),
        new WorkflowStep("fan", "compliance.check", null, List.of(), Condition.equalTo("input.x", null), null, null,
            null)), null);
    assertEquals(List.of(
        "name: must be 1..63 of a-z 0-9 - starting with a letter, was 'Bad Name'",
        "steps[1].id: duplicate step 'fan'",
        "steps[0].input: must be a JSON object (or a single \"${...}\" reference)",
        "steps[0].forEach.items: must be a single \"${...}\" reference to an array",
        "steps[0].forEach.as: must name the element (a-z 0-9 -), not 'input' or 'steps', was 'input'",
        "steps[0].forEach.n: a quorum needs n of at least 1",
        "steps[0].timeout: must be positive and at most PT24H, was PT48H",
        "steps[1].when: give exactly one of equals, notEquals, exists"), problems(bad));
    assertEquals(List.of("steps: a workflow needs at least one step"),
        problems(new WorkflowDefinition("empty", null, List.of(), null)));
  }

  @Test
  void triggersAreChecked() {
    WorkflowDefinition self = Workflow.builder("loop-forever").triggeredBy("TaskCompleted", "loop-forever", "{}")
        .step("a", "documents.summarize").done().build();
    assertEquals(List.of("trigger.workflow: a workflow cannot trigger on its own tasks"), problems(self));
    WorkflowDefinition bad = Workflow.builder("follow").triggeredBy("TaskStarted", "other", "{\"x\": \"${input.y}\"}")
        .step("a", "documents.summarize").done().build();
    assertEquals(List.of("trigger.on: must be one of TaskCompleted, TaskFailed, ExternalEvent, was 'TaskStarted'",
        "trigger.input: 'input.y' must start with event"), problems(bad));
  }

  @Test
  void anExternalTriggerNamesItsEventAndFollowsNoTasks() {
    var step = new WorkflowStep("a", "documents.summarize", null, List.of(), null, null, null, null);
    WorkflowDefinition ok = new WorkflowDefinition("paid", null, List.of(step), null,
        new Trigger(Trigger.EXTERNAL, null, null, null, "invoice.paid"));
    assertEquals(List.of(), problems(ok));
    WorkflowDefinition both = new WorkflowDefinition("paid", null, List.of(step), null,
        new Trigger(Trigger.EXTERNAL, "other", null, null, "Invoice Paid"));
    assertEquals(List.of("trigger.event: the external event's type, 1..100 of a-z 0-9 . _ -, was 'Invoice Paid'",
        "trigger: an ExternalEvent trigger follows no tasks: no workflow or capability"), problems(both));
    WorkflowDefinition stray = new WorkflowDefinition("paid", null, List.of(step), null,
        new Trigger("TaskCompleted", "other", null, null, "invoice.paid"));
    assertEquals(List.of("trigger.event: only for on = ExternalEvent"), problems(stray));
  }
}
