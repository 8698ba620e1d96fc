package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.runtime.agent.StepContext;
import dev.troupe.runtime.agent.StepOutcome;
import org.junit.jupiter.api.Test;

class SummarizerAgentTest {
  private final SummarizerAgent agent = new SummarizerAgent();

  private StepOutcome run(JsonNode input) {
    return agent.run(new StepContext("t", "t.main", 1, SummarizerAgent.CAPABILITY, input, new LocalModel()))
        .toCompletableFuture().join();
  }

  @Test
  void summarizesTheText() {
    StepOutcome.Completed done = assertInstanceOf(StepOutcome.Completed.class,
        run(JsonNodeFactory.instance.objectNode().put("text", "Short text. Kept whole.")));
    assertEquals("Short text. Kept whole.", done.output().get("summary").asText());
    assertEquals(1.0, done.confidence());
  }

  @Test
  void longTextsAreShortenedWithLowerConfidence() {
    String sentence = "This sentence has exactly eight words in it. ";
    StepOutcome.Completed done = assertInstanceOf(StepOutcome.Completed.class,
        run(JsonNodeFactory.instance.objectNode().put("text", sentence.repeat(20))));
    String summary = done.output().get("summary").asText();
    assertEquals(7, summary.split("\\. ").length, summary); // 7 sentences of 8 words fit in 60
    assertEquals(0.9, done.confidence());
  }

  @Test
  void missingOrEmptyTextIsAPermanentFailure() {
    StepOutcome expected = StepOutcome.permanent("input.text must be a non-empty string");
    assertEquals(expected, run(JsonNodeFactory.instance.objectNode()));
    assertEquals(expected, run(JsonNodeFactory.instance.objectNode().put("text", "  ")));
    assertEquals(expected, run(JsonNodeFactory.instance.objectNode().put("text", 42)));
  }
}
