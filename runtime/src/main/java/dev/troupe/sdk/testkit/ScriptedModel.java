package dev.troupe.sdk.testkit;

import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A model for tests: given prompts, given replies. The first rule whose condition holds for the
 * request answers; a request no rule answers fails the call, naming the prompt, so a test sees at
 * once what the agent asked. Tokens are counted as words; cost is a fixed price per 1,000 tokens.
 *
 * <pre>{@code
 * ScriptedModel model = ScriptedModel.named("scripted")
 *     .whenPromptContains("sanctions", "FLAG: sanctions list match")
 *     .otherwise("CLEAR")
 *     .build();
 * }</pre>
 */
public final class ScriptedModel implements ModelClient {
  private record Rule(Predicate<ModelRequest> condition, String reply, RuntimeException failure) {}

  /** One scripted turn: text, or a tool call. */
  private record Turn(String text, dev.troupe.sdk.ToolCallRequest call) {}

  private static final Pattern WORDS = Pattern.compile("\\s+");

  private final String name;
  private final List<Rule> rules;
  private final java.util.Deque<Turn> turns;
  private final BigDecimal usdPer1kTokens;
  private final List<ModelRequest> requests = Collections.synchronizedList(new ArrayList<>());

  private ScriptedModel(String name, List<Rule> rules, List<Turn> turns, BigDecimal usdPer1kTokens) {
    this.name = name;
    this.rules = List.copyOf(rules);
    this.turns = new java.util.concurrent.ConcurrentLinkedDeque<>(turns);
    this.usdPer1kTokens = usdPer1kTokens;
  }

  public static Builder named(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public dev.troupe.sdk.ModelPricing pricing() {
    BigDecimal perMillion = usdPer1kTokens.multiply(BigDecimal.valueOf(1000));
    return new dev.troupe.sdk.ModelPricing(perMillion, perMillion);
  }

  @Override
  public CompletionStage<ModelReply> complete(ModelRequest request) {
    requests.add(request);
    Turn turn = turns.poll();
    if (turn != null) {
      long in = (request.inputChars() + 3) / 4;
      if (turn.call() != null) {
        return CompletableFuture.completedFuture(new ModelReply("", name, in, 10, BigDecimal.ZERO,
            List.of(turn.call()), "tool_calls", 1, List.of()));
      }
      return CompletableFuture.completedFuture(new ModelReply(turn.text(), name, in, words(turn.text()),
          BigDecimal.ZERO));
    }
    for (Rule rule : rules) {
      if (rule.condition().test(request)) {
        if (rule.failure() != null) {
          return CompletableFuture.failedFuture(rule.failure());
        }
        long in = words(request.system()) + words(request.prompt());
        long out = words(rule.reply());
        BigDecimal cost = usdPer1kTokens.multiply(BigDecimal.valueOf(in + out)).divide(BigDecimal.valueOf(1000));
        return CompletableFuture.completedFuture(new ModelReply(rule.reply(), name, in, out, cost));
      }
    }
    return CompletableFuture.failedFuture(new IllegalStateException(
        "ScriptedModel " + name + " has no reply for the prompt: " + request.prompt()));
  }

  /** Every request the model received, in order. */
  public List<ModelRequest> requests() {
    return List.copyOf(requests);
  }

  private static long words(String text) {
    String stripped = text.strip();
    return stripped.isEmpty() ? 0 : WORDS.split(stripped).length;
  }

  /**
   * Scripted turns, answered one per request in the order they were added, before any rule: an
   * LLM agent's whole loop ({@code thenCallTool}, then {@code thenAnswer}). Then rules, tried in
   * the order they were added.
   */
  public static final class Builder {
    private final String name;
    private final List<Rule> rules = new ArrayList<>();
    private final List<Turn> turns = new ArrayList<>();
    private BigDecimal usdPer1kTokens = BigDecimal.ZERO;

    private Builder(String name) {
      this.name = name;
    }

    public Builder whenPromptContains(String text, String reply) {
      rules.add(new Rule(request -> request.prompt().contains(text), reply, null));
      return this;
    }

    public Builder whenPromptMatches(String regex, String reply) {
      Pattern pattern = Pattern.compile(regex, Pattern.DOTALL);
      rules.add(new Rule(request -> pattern.matcher(request.prompt()).find(), reply, null));
      return this;
    }

    public Builder when(Predicate<ModelRequest> condition, String reply) {
      rules.add(new Rule(condition, reply, null));
      return this;
    }

    /** Calls whose prompt contains {@code text} fail with {@code failure} (e.g. a provider outage). */
    public Builder failWhenPromptContains(String text, RuntimeException failure) {
      rules.add(new Rule(request -> request.prompt().contains(text), null, failure));
      return this;
    }

    public Builder otherwise(String reply) {
      rules.add(new Rule(request -> true, reply, null));
      return this;
    }

    /** The next turn: the model asks to call {@code tool} with these arguments (JSON text, untrusted). */
    public Builder thenCallTool(String tool, String argumentsJson) {
      com.fasterxml.jackson.databind.JsonNode arguments;
      try {
        arguments = new com.fasterxml.jackson.databind.ObjectMapper().readTree(argumentsJson);
      } catch (java.io.IOException e) {
        arguments = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(argumentsJson);
      }
      turns.add(new Turn(null, new dev.troupe.sdk.ToolCallRequest("call_" + (turns.size() + 1), tool, arguments)));
      return this;
    }

    /** The next turn: the model answers {@code text} (its final answer, if it calls no tool). */
    public Builder thenAnswer(String text) {
      turns.add(new Turn(text, null));
      return this;
    }

    public Builder pricePer1kTokens(String usd) {
      this.usdPer1kTokens = new BigDecimal(usd);
      return this;
    }

    public ScriptedModel build() {
      return new ScriptedModel(name, rules, turns, usdPer1kTokens);
    }
  }
}
