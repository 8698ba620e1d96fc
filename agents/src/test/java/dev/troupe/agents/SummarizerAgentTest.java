package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.testkit.AgentTestKit;
import org.junit.jupiter.api.Test;

class SummarizerAgentTest {
  private static AgentTestKit kit() {
    return AgentTestKit.of(new SummarizerAgent()).model(new LocalModel());
  }

  @Test
  void summarizesTheTextWithOneMeteredModelCall() {
    var run = kit().run(JsonNodeFactory.instance.objectNode().put("text", "Short text. Kept whole."));
    assertEquals("Short text. Kept whole.", run.output().get("summary").asText());
    assertEquals(1.0, ((StepOutcome.Completed) run.outcome()).confidence());
    assertEquals(1, run.modelCalls().size());
    assertEquals("local", run.modelCalls().get(0).model());
    assertEquals(4 + 13, run.usage().inputTokens(), "prompt words plus the instruction's");
  }

  @Test
  void longTextsAreShortenedWithLowerConfidence() {
    String sentence = "This sentence has exactly eight words in it. ";
    var run = kit().run(JsonNodeFactory.instance.objectNode().put("text", sentence.repeat(20)));
    String summary = run.output().get("summary").asText();
    assertEquals(7, summary.split("\\. ").length, summary); // 7 sentences of 8 words fit in 60
    assertEquals(0.9, ((StepOutcome.Completed) run.outcome()).confidence());
  }

  @Test
  void documentsAreSummarizedOneByOne() {
    JsonNode input = JsonNodeFactory.instance.objectNode().set("documents",
        JsonNodeFactory.instance.arrayNode().add("First doc. More.").add("Second doc."));
    var run = kit().run(SummarizerAgent.DOCUMENTS, input);
    assertEquals(2, run.output().get("summaries").size());
    assertEquals("First doc. More. Second doc.", run.output().get("summary").asText());
    assertEquals(2, run.modelCalls().size());
    assertEquals(1, run.decisions().size());
  }

  @Test
  void missingOrEmptyTextIsAPermanentFailure() {
    StepOutcome expected = StepOutcome.permanent("input.text must be a non-empty string");
    assertEquals(expected, kit().run(JsonNodeFactory.instance.objectNode()).outcome());
    assertEquals(expected, kit().run(JsonNodeFactory.instance.objectNode().put("text", "  ")).outcome());
    assertEquals(expected, kit().run(JsonNodeFactory.instance.objectNode().put("text", 42)).outcome());
    assertEquals(StepOutcome.permanent("input.documents must be a non-empty array of strings"),
        kit().run(SummarizerAgent.DOCUMENTS, JsonNodeFactory.instance.objectNode()).outcome());
  }
}
