package dev.troupe.agents;

import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The built-in {@code local} model: deterministic and offline, so examples and tests are
 * reproducible. It answers extractively: the prompt's leading sentences, up to the request's
 * output limit. Tokens are counted as whitespace-separated words; it costs nothing.
 */
public final class LocalModel implements ModelClient {
  public static final String NAME = "local";
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletionStage<ModelReply> complete(ModelRequest request) {
    String answer = extract(request.prompt(), request.maxOutputTokens());
    long input = words(request.system()) + words(request.prompt());
    return CompletableFuture.completedFuture(new ModelReply(answer, NAME, input, words(answer), BigDecimal.ZERO));
  }

  static String extract(String prompt, int maxWords) {
    List<String> chosen = new ArrayList<>();
    int used = 0;
    for (String sentence : SENTENCE_END.split(prompt.strip())) {
      String[] words = WHITESPACE.split(sentence.strip());
      if (sentence.isBlank()) {
        continue;
      }
      if (used + words.length > maxWords) {
        if (chosen.isEmpty()) {
          chosen.add(String.join(" ", List.of(words).subList(0, maxWords)) + "…");
        }
        break;
      }
      chosen.add(sentence.strip());
      used += words.length;
    }
    return String.join(" ", chosen);
  }

  static long words(String text) {
    String stripped = text.strip();
    return stripped.isEmpty() ? 0 : WHITESPACE.split(stripped).length;
  }
}
