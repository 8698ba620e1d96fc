package dev.troupe.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * An agent a model drives, declared rather than coded: a role, instructions, the tier it thinks
 * with, the tools it is granted, an optional JSON schema for its answer, at most so many model
 * turns. Write one in Java ({@link #builder(String)}) or in configuration
 * ({@code troupe.agents.llm}); register it like any agent.
 *
 * <p>Each step is a loop: the model is called with the granted tools' specifications; every tool
 * call it proposes is untrusted input and is checked before anything runs (granted? input valid
 * against the tool's schema?). An allowed call runs through the step's journaled, exactly-once
 * tool path; a refused one is told to the model in words it can act on; a call of an
 * irreversible tool (or one that needs approval) ends the step as a proposal for a human, never a
 * call. The loop ends with the model's final answer, checked against the output schema: an
 * invalid answer is sent back once with what is wrong, then the step fails as retryable. Running
 * out of turns ends the step for good; the task's budget and the runtime's runaway limits end it
 * as they end any step.
 */
public final class LlmAgent implements Agent {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the agent is. {@code outputSchema} may be null (the answer is then {@code {"text": ...}}). */
  public record Spec(String type, String role, String instructions, String capability, String tier,
      Set<String> tools, JsonNode outputSchema, int maxTurns, Double temperature, int maxOutputTokens,
      Duration p95Latency, String costUsdPerCall, AgentLimits limits) {
    public Spec {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(capability, "capability");
      role = role == null ? "" : role;
      instructions = instructions == null ? "" : instructions;
      tier = tier == null ? "fast" : tier;
      tools = tools == null ? Set.of() : Set.copyOf(tools);
      if (maxTurns < 1) {
        throw new IllegalArgumentException("maxTurns must be at least 1, was " + maxTurns);
      }
      if (maxOutputTokens < 1) {
        throw new IllegalArgumentException("maxOutputTokens must be positive, was " + maxOutputTokens);
      }
      p95Latency = p95Latency == null ? Duration.ofSeconds(30) : p95Latency;
      costUsdPerCall = costUsdPerCall == null ? "0" : costUsdPerCall;
      limits = limits == null ? AgentLimits.DEFAULT : limits;
    }
  }

  private final Spec spec;
  private final AgentDefinition definition;
  private final JsonSchemaCheck outputCheck;

  public LlmAgent(Spec spec) {
    this.spec = spec;
    this.definition = AgentDefinition.builder(spec.type())
        .role(spec.role().isEmpty() ? "Answers " + spec.capability() + " with a model." : spec.role())
        .capability(spec.capability(), spec.p95Latency(), spec.costUsdPerCall())
        .tools(spec.tools().toArray(String[]::new))
        .modelTier(spec.tier())
        .limits(spec.limits())
        .build();
    this.outputCheck = spec.outputSchema() == null ? null : JsonSchemaCheck.of(spec.outputSchema());
  }

  public static Builder builder(String type) {
    return new Builder(type);
  }

  public Spec spec() {
    return spec;
  }

  @Override
  public AgentDefinition definition() {
    return definition;
  }

  @Override
  public CompletionStage<StepOutcome> run(StepContext step) {
    List<ChatMessage> messages = new ArrayList<>();
    messages.add(new ChatMessage.User(task(step)));
    return turn(step, messages, 1, false);
  }

  private CompletionStage<StepOutcome> turn(StepContext step, List<ChatMessage> messages, int turn,
      boolean corrected) {
    if (turn > spec.maxTurns()) {
      return CompletableFuture.completedFuture(StepOutcome.permanent("MAX_TURNS: the model gave no final answer within "
          + spec.maxTurns() + " turns"));
    }
    List<ToolSpec> offered = spec.tools().stream().sorted().map(name -> step.tools().spec(name))
        .flatMap(java.util.Optional::stream).toList();
    ModelRequest request = new ModelRequest(system(), List.copyOf(messages), offered, spec.outputSchema(),
        spec.maxOutputTokens(), spec.temperature());
    return step.model().complete(request).thenCompose(reply -> {
      if (!reply.toolCalls().isEmpty()) {
        messages.add(new ChatMessage.Assistant(reply.text(), reply.toolCalls()));
        return toolCalls(step, reply.toolCalls(), 0, messages).thenCompose(proposal -> proposal != null
            ? CompletableFuture.completedFuture(proposal)
            : turn(step, messages, turn + 1, corrected));
      }
      return answer(step, messages, reply, turn, corrected);
    });
  }

  /** Runs the model's tool calls in order; a proposal (a call a human must approve) ends the step. */
  private CompletionStage<StepOutcome> toolCalls(StepContext step, List<ToolCallRequest> calls, int index,
      List<ChatMessage> messages) {
    if (index >= calls.size()) {
      return CompletableFuture.completedFuture(null);
    }
    ToolCallRequest call = calls.get(index);
    List<String> problems = call.arguments() == null || !call.arguments().isObject()
        ? List.of("the arguments must be a JSON object")
        : step.tools().check(call.name(), call.arguments());
    if (!problems.isEmpty()) {
      // Refused before anything ran; the model hears why and may correct itself.
      step.note("refused the model's call of " + call.name() + ": " + String.join("; ", problems));
      messages.add(new ChatMessage.ToolResult(call.id(), call.name(), "refused: " + String.join("; ", problems)));
      return toolCalls(step, calls, index + 1, messages);
    }
    if (step.tools().needsApproval(call.name())) {
      return CompletableFuture.completedFuture(StepOutcome.propose(call.name(), call.arguments(),
          "the model proposed " + call.name() + " (a human must approve it)"));
    }
    return step.tools().call(call.name(), call.arguments())
        .handle((result, error) -> {
          String content;
          if (error == null) {
            content = result == null ? "null" : result.toString();
          } else {
            Throwable cause = error.getCause() != null && error instanceof java.util.concurrent.CompletionException
                ? error.getCause() : error;
            if (cause instanceof StepStoppedException stopped) {
              throw stopped; // a runaway or budget stop ends the step, not the turn
            }
            if (cause instanceof ToolException refused && refused.getMessage() != null
                && refused.getMessage().startsWith("RUNAWAY")) {
              throw new StepStoppedException(refused.getMessage());
            }
            content = "failed: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
          }
          messages.add(new ChatMessage.ToolResult(call.id(), call.name(), content));
          return index + 1;
        })
        .thenCompose(next -> toolCalls(step, calls, next, messages));
  }

  private CompletionStage<StepOutcome> answer(StepContext step, List<ChatMessage> messages, ModelReply reply, int turn,
      boolean corrected) {
    if (outputCheck == null) {
      return CompletableFuture.completedFuture(StepOutcome.completed(
          JsonNodeFactory.instance.objectNode().put("text", reply.text()), 1.0));
    }
    JsonNode output;
    List<String> problems;
    try {
      output = JSON.readTree(unfenced(reply.text()));
      problems = output == null || output.isMissingNode() ? List.of("the answer is empty") : outputCheck.problems(output);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      output = null;
      problems = List.of("the answer is not JSON: " + e.getOriginalMessage());
    }
    if (problems.isEmpty()) {
      return CompletableFuture.completedFuture(StepOutcome.completed(output, 1.0));
    }
    if (corrected) {
      return CompletableFuture.completedFuture(StepOutcome.retryable("INVALID_OUTPUT: the model's answer does not match"
          + " the output schema, also after it was told why: " + String.join("; ", problems)));
    }
    step.note("the model's answer did not match the output schema: " + String.join("; ", problems));
    messages.add(new ChatMessage.Assistant(reply.text().isEmpty() ? "(no answer)" : reply.text(), List.of()));
    messages.add(new ChatMessage.User("Your answer does not match the required JSON schema: "
        + String.join("; ", problems) + ". Answer again with only a JSON value that matches it."));
    return turn(step, messages, turn + 1, true);
  }

  /** Models often wrap JSON in a Markdown fence. */
  private static String unfenced(String text) {
    String t = text.strip();
    if (t.startsWith("```")) {
      int start = t.indexOf('\n');
      int end = t.lastIndexOf("```");
      if (start > 0 && end > start) {
        return t.substring(start + 1, end).strip();
      }
    }
    return t;
  }

  private String system() {
    StringBuilder system = new StringBuilder();
    if (!spec.role().isEmpty()) {
      system.append("You are ").append(spec.role().strip()).append('\n');
    }
    if (!spec.instructions().isEmpty()) {
      system.append(spec.instructions().strip()).append('\n');
    }
    if (!spec.tools().isEmpty()) {
      system.append("Call the tools you are offered when you need them. A call of an irreversible tool is not run:"
          + " it goes to a human for approval, and ends your work on this step.\n");
    }
    if (spec.outputSchema() != null) {
      system.append("Your final answer must be only a JSON value that matches this JSON schema: ")
          .append(spec.outputSchema()).append('\n');
    }
    return system.toString().strip();
  }

  /** The step as the model reads it: the goal, the input, earlier steps' results, a human's guidance. */
  private static String task(StepContext step) {
    StringBuilder task = new StringBuilder();
    if (step.goal() != null && !step.goal().isBlank()) {
      task.append("Goal: ").append(step.goal().strip()).append("\n\n");
    }
    task.append("Input:\n").append(step.input() == null ? "{}" : step.input().toPrettyString());
    if (!step.dependencies().isEmpty()) {
      ObjectNode earlier = JsonNodeFactory.instance.objectNode();
      step.dependencies().forEach(earlier::set);
      task.append("\n\nResults of earlier steps:\n").append(earlier.toPrettyString());
    }
    if (!step.guidance().isEmpty()) {
      task.append("\n\nGuidance from a human:\n")
          .append(step.guidance().stream().map(g -> "- " + g).collect(Collectors.joining("\n")));
    }
    if (step.attempt() > 1) {
      // Also what keeps a retry from being served the earlier attempt's answer from a cache.
      task.append("\n\nThis is attempt ").append(step.attempt()).append(" of this step; the earlier one did not succeed.");
    }
    return task.toString();
  }

  /** An LLM agent in Java, with the same fields as {@code troupe.agents.llm}. */
  public static final class Builder {
    private final String type;
    private String role;
    private String instructions;
    private String capability;
    private String tier = "fast";
    private final Set<String> tools = new LinkedHashSet<>();
    private JsonNode outputSchema;
    private int maxTurns = 6;
    private Double temperature;
    private int maxOutputTokens = 1024;
    private Duration p95Latency;
    private String costUsdPerCall;
    private AgentLimits limits;

    private Builder(String type) {
      this.type = type;
    }

    public Builder role(String oneSentence) {
      this.role = oneSentence;
      return this;
    }

    public Builder instructions(String text) {
      this.instructions = text;
      return this;
    }

    public Builder capability(String name) {
      this.capability = name;
      return this;
    }

    public Builder tier(String modelTier) {
      this.tier = modelTier;
      return this;
    }

    public Builder tools(String... names) {
      tools.addAll(List.of(names));
      return this;
    }

    public Builder outputSchema(JsonNode schema) {
      this.outputSchema = schema;
      return this;
    }

    public Builder maxTurns(int turns) {
      this.maxTurns = turns;
      return this;
    }

    public Builder temperature(double value) {
      this.temperature = value;
      return this;
    }

    public Builder maxOutputTokens(int tokens) {
      this.maxOutputTokens = tokens;
      return this;
    }

    public Builder sla(Duration p95, String costPerCallUsd) {
      this.p95Latency = p95;
      this.costUsdPerCall = costPerCallUsd;
      return this;
    }

    public Builder limits(AgentLimits agentLimits) {
      this.limits = agentLimits;
      return this;
    }

    public LlmAgent build() {
      return new LlmAgent(new Spec(type, role, instructions, capability, tier, tools, outputSchema, maxTurns,
          temperature, maxOutputTokens, p95Latency, costUsdPerCall, limits));
    }
  }
}
