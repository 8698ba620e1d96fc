package dev.troupe.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class LocalModelTest {
  private final LocalModel model = new LocalModel();

  private ModelReply ask(String system, String prompt, int max) {
    return model.complete(new ModelRequest(system, prompt, max)).toCompletableFuture().join();
  }

  @Test
  void theSamePromptAlwaysGivesTheSameTextAndTokens() {
    String prompt = "Acme signed. The fee is 4,000 EUR a month. Payment is due in 30 days.";
    ModelReply first = ask("Summarize.", prompt, 9);
    ModelReply second = ask("Summarize.", prompt, 9);
    assertEquals(first, second);
    // 1 + 15 words in, 2 + 7 words out: the third sentence would pass the limit of 9.
    assertEquals(new ModelReply("Acme signed. The fee is 4,000 EUR a month.", "local", 16, 9, BigDecimal.ZERO),
        first);
    assertEquals("Acme signed.", ask("Summarize.", prompt, 8).text());
  }

  @Test
  void aLongFirstSentenceIsCutAtTheLimit() {
    assertEquals("one two three…", ask("", "one two three four five.", 3).text());
  }

  @Test
  void blankPromptsGiveAnEmptyAnswer() {
    ModelReply reply = ask("", "   ", 5);
    assertEquals("", reply.text());
    assertEquals(0, reply.inputTokens());
    assertEquals(0, reply.outputTokens());
  }
}
