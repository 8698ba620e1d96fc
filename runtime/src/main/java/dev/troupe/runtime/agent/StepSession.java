package dev.troupe.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.agent.AgentEvent.DecisionNoted;
import dev.troupe.runtime.agent.AgentEvent.ModelCalled;
import dev.troupe.runtime.agent.AgentEvent.ToolCalled;
import dev.troupe.runtime.effect.EffectEvent;
import dev.troupe.runtime.effect.EffectLedgerState;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.runtime.tool.ToolRunner;
import dev.troupe.sdk.AgentDefinition;
import dev.troupe.sdk.AgentMemory;
import dev.troupe.sdk.InvalidInputException;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelPricing;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.ModelTimeoutException;
import dev.troupe.sdk.StepContext;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.StepStoppedException;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.ToolCall;
import dev.troupe.sdk.ToolException;
import dev.troupe.sdk.ToolSpec;
import dev.troupe.sdk.Tools;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link StepContext} of one step: it enforces the agent's tool grants and tool schemas,
 * meters every model call, and reports everything the step does to {@code recorder} as agent
 * events, in order. The agent entity persists them; the test kit collects them.
 */
public final class StepSession implements StepContext {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StepSession.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** Where a step's events go: recorded as they happen, or persisted before the step goes on. */
  public interface Recorder {
    void record(AgentEvent event);

    /** Completes once {@code event} is journaled; a tool call waits for its intent this way. */
    CompletionStage<Void> persist(AgentEvent event);
  }

  /** A tool call an earlier run of the step made: its intent, and its outcome if one was recorded. */
  public record PriorCall(AgentEvent.ToolCallIntended intent, ToolCalled outcome) {
    /**
     * Whether this earlier call is the call of {@code tool} with input hashed {@code inputHash}:
     * a later run may make other calls at the same position (a model-driven agent does), and
     * must not get another call's result.
     */
    boolean isCallOf(String tool, String inputHash) {
      String priorTool = intent != null ? intent.tool() : outcome != null ? outcome.tool() : null;
      if (!tool.equals(priorTool)) {
        return false;
      }
      return intent == null || intent.inputHash() == null || intent.inputHash().equals(inputHash);
    }
  }

  /** What the step was asked. */
  public record Request(
      String taskId, String stepId, int attempt, String capability, JsonNode input, String goal,
      List<String> guidance, Map<String, JsonNode> dependencies, String tenant, String traceId) {
    public Request {
      guidance = guidance == null ? List.of() : List.copyOf(guidance);
      dependencies = dependencies == null ? Map.of() : Map.copyOf(dependencies);
      goal = goal == null ? "" : goal;
    }
  }

  private final String agentId;
  private final AgentDefinition definition;
  private final Request request;
  private final ModelClient model;
  private final ToolRegistry toolRegistry;
  private final Executor executor;
  private final Recorder recorder;
  private final Map<String, PriorCall> priorCalls;
  private final AtomicReference<String> inDoubt = new AtomicReference<>();
  private final Delegator delegator;
  private final Clock clock;
  private final Memory memory;
  private final AtomicReference<Usage> usage = new AtomicReference<>(Usage.NONE);
  private final AtomicInteger toolCalls = new AtomicInteger();
  private final AtomicInteger delegations = new AtomicInteger();
  private final AtomicInteger modelCalls = new AtomicInteger();
  private final Map<String, Integer> identicalToolCalls = new ConcurrentHashMap<>();
  private final AtomicReference<String> stopped = new AtomicReference<>();
  private final StepGuards guards;
  private final Executor toolExecutor;

  public StepSession(
      String agentId, AgentDefinition definition, Request request, ModelClient model, ToolRegistry toolRegistry,
      Executor executor, Map<String, String> notes, List<AgentMemory.RecentStep> recent,
      Map<String, PriorCall> priorCalls, Recorder recorder, Delegator delegator, Clock clock, Duration modelTimeout) {
    this(agentId, definition, request, model, toolRegistry, executor, notes, recent, priorCalls, recorder, delegator,
        clock, modelTimeout, StepGuards.defaults());
  }

  public StepSession(
      String agentId, AgentDefinition definition, Request request, ModelClient model, ToolRegistry toolRegistry,
      Executor executor, Map<String, String> notes, List<AgentMemory.RecentStep> recent,
      Map<String, PriorCall> priorCalls, Recorder recorder, Delegator delegator, Clock clock, Duration modelTimeout,
      StepGuards guards) {
    this(agentId, definition, request, model, toolRegistry, executor, notes, recent, priorCalls, recorder, delegator,
        clock, modelTimeout, guards, executor);
  }

  /**
   * @param executor where the agent's code runs and goes on after each model and tool call (its
   *     type's bulkhead)
   * @param toolExecutor where tool code runs
   */
  public StepSession(
      String agentId, AgentDefinition definition, Request request, ModelClient model, ToolRegistry toolRegistry,
      Executor executor, Map<String, String> notes, List<AgentMemory.RecentStep> recent,
      Map<String, PriorCall> priorCalls, Recorder recorder, Delegator delegator, Clock clock, Duration modelTimeout,
      StepGuards guards, Executor toolExecutor) {
    this.toolExecutor = toolExecutor;
    this.guards = guards;
    this.agentId = agentId;
    this.definition = definition;
    this.request = request;
    this.model = new MeteredModel(model, modelTimeout);
    this.toolRegistry = toolRegistry;
    this.executor = executor;
    this.recorder = recorder;
    this.priorCalls = Map.copyOf(priorCalls);
    this.delegator = delegator;
    this.clock = clock;
    this.memory = new Memory(notes, recent);
  }

  /**
   * Why the step cannot be trusted to have done what it says, if it cannot: a tool call from an
   * interrupted run whose outcome is unknown and which cannot safely be repeated. Such a step
   * escalates to a human whatever its code returns.
   */
  public java.util.Optional<String> inDoubt() {
    return java.util.Optional.ofNullable(inDoubt.get());
  }

  /**
   * The step's outcome as the runtime accepts it: a call in doubt outranks whatever the code
   * concluded, and a proposal a human could never approve (a tool the agent was not granted, or
   * input that breaks the tool's schema) fails the step for good instead of waiting for one.
   * Used by the agent entity and the test kit alike.
   */
  public StepOutcome settle(StepOutcome outcome) {
    if (inDoubt.get() != null) {
      return StepOutcome.escalate(inDoubt.get());
    }
    if (stopped.get() != null) {
      return StepOutcome.permanent(stopped.get());
    }
    if (outcome instanceof StepOutcome.ProposeAction proposal) {
      String tool = proposal.tool();
      String why = null;
      String kind = "refused";
      if (!definition.tools().contains(tool) || toolRegistry.tool(tool).isEmpty()) {
        why = "agent " + agentId + " proposed " + tool + ", a tool it was not granted";
      } else {
        List<String> errors = proposal.input() == null ? List.of("input is missing")
            : toolRegistry.validate(tool, proposal.input());
        if (!errors.isEmpty()) {
          why = "proposed input does not match the schema of " + tool + ": " + String.join("; ", errors);
          kind = "invalid-input";
        }
      }
      if (why != null) {
        recordTool(new ToolCalled(request.stepId(), tool, request.stepId() + "/proposal", proposal.input(), null,
            0, kind, why));
        return StepOutcome.permanent(why);
      }
    }
    return outcome;
  }

  /** What the step has used so far, as the runtime measured it. */
  public Usage usage() {
    return usage.get();
  }

  @Override
  public String taskId() {
    return request.taskId();
  }

  @Override
  public String stepId() {
    return request.stepId();
  }

  @Override
  public int attempt() {
    return request.attempt();
  }

  @Override
  public String capability() {
    return request.capability();
  }

  @Override
  public JsonNode input() {
    return request.input();
  }

  @Override
  public String goal() {
    return request.goal();
  }

  @Override
  public List<String> guidance() {
    return request.guidance();
  }

  @Override
  public Map<String, JsonNode> dependencies() {
    return request.dependencies();
  }

  @Override
  public ModelClient model() {
    return model;
  }

  @Override
  public Tools tools() {
    return tools;
  }

  @Override
  public AgentMemory memory() {
    return memory;
  }

  @Override
  public void note(String decision) {
    recorder.record(new DecisionNoted(request.stepId(), decision));
  }

  @Override
  public CompletionStage<JsonNode> delegate(String capability, JsonNode input) {
    int n = delegations.incrementAndGet();
    String childTaskId = "tsk_" + HexFormat.of().formatHex(CanonicalJson.sha256()
        .digest((request.stepId() + "#delegate-" + n).getBytes(StandardCharsets.UTF_8)), 0, 16);
    recorder.record(new AgentEvent.DelegationRequested(request.stepId(), childTaskId, capability));
    return delegator.delegate(new Delegator.Delegation(agentId, request.taskId(), request.stepId(), childTaskId,
        request.tenant(), request.traceId(), capability, input));
  }

  private long millisSince(Instant start) {
    return Duration.between(start, clock.instant()).toMillis();
  }

  private final class MeteredModel implements ModelClient {
    private final ModelClient delegate;
    private final Duration timeout;

    MeteredModel(ModelClient delegate, Duration timeout) {
      this.delegate = delegate;
      this.timeout = timeout;
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public ModelPricing pricing() {
      return delegate.pricing();
    }

    @Override
    public CompletionStage<ModelReply> complete(ModelRequest modelRequest) {
      int n = modelCalls.incrementAndGet();
      if (n > guards.maxModelCalls()) {
        return stop("RUNAWAY: the step made more than " + guards.maxModelCalls() + " model calls");
      }
      if (!guards.budgeted()) {
        return call(modelRequest);
      }
      // The worst case is reserved before the call; what the call really used is settled after it.
      String key = request.stepId() + "#" + request.attempt() + "/model-" + n;
      long inputTokens = (modelRequest.inputChars() + 3) / 4;
      long tokens = inputTokens + modelRequest.maxOutputTokens();
      BigDecimal cost = delegate.pricing().costOf(inputTokens, modelRequest.maxOutputTokens());
      // On the agent's executor: the reservation is answered on the task entity's thread, and the
      // agent's code that follows must not run there.
      return guards.budgets().reserve(request.taskId(), request.stepId(), key, tokens, cost)
          .thenComposeAsync(decision -> {
            if (!decision.granted()) {
              return stop("BUDGET_EXCEEDED: " + decision.reason());
            }
            // A call that timed out may still be billed: it settles at its worst case.
            return call(modelRequest).whenComplete((reply, error) -> {
              boolean timedOut = error != null && unwrap(error) instanceof ModelTimeoutException;
              guards.budgets().settle(request.taskId(), request.stepId(), key,
                  reply != null ? reply.inputTokens() + reply.outputTokens() : timedOut ? tokens : 0,
                  reply != null ? reply.costUsd() : timedOut ? cost : BigDecimal.ZERO);
            });
          }, executor);
    }

    /** The journal's record of an answered call: what was asked and said, masked. */
    private ModelCalled modelCalled(ModelRequest modelRequest, ModelReply reply, long latency) {
      var prompt = guards.redactor().redact(ModelExchange.prompt(modelRequest));
      var answer = guards.redactor().redact(ModelExchange.reply(reply));
      List<String> redactions = new ArrayList<>(prompt.summary("prompt"));
      redactions.addAll(answer.summary("reply"));
      return new ModelCalled(request.stepId(), reply.model(), definition.modelTier(), reply.inputTokens(),
          reply.outputTokens(), reply.costUsd(), latency, null, reply.attempts(),
          reply.fallbacks().isEmpty() ? null : reply.fallbacks(), reply.finishReason(), prompt.json(), answer.json(),
          redactions.isEmpty() ? null : redactions, reply.cached() ? Boolean.TRUE : null);
    }

    /** Not called: the step fails for good, and the journal says why. */
    private CompletionStage<ModelReply> stop(String why) {
      stopped.compareAndSet(null, why);
      recorder.record(new ModelCalled(request.stepId(), delegate.name(), definition.modelTier(), 0, 0,
          BigDecimal.ZERO, 0, why));
      return CompletableFuture.failedFuture(new StepStoppedException(why));
    }

    private CompletionStage<ModelReply> call(ModelRequest modelRequest) {
      Instant start = clock.instant();
      CompletionStage<ModelReply> call;
      try {
        call = delegate.complete(modelRequest);
      } catch (RuntimeException e) {
        call = CompletableFuture.failedFuture(e);
      }
      String timedOut = "model " + delegate.name() + " did not answer within " + timeout;
      return call.toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .<ModelReply>exceptionallyCompose(error -> CompletableFuture.failedFuture(
              unwrap(error) instanceof TimeoutException ? new ModelTimeoutException(timedOut) : unwrap(error)))
          .whenComplete((reply, error) -> {
        long latency = millisSince(start);
        if (error != null) {
          String why = unwrap(error) instanceof ModelTimeoutException ? timedOut : describe(error);
          var prompt = guards.redactor().redact(ModelExchange.prompt(modelRequest));
          recorder.record(new ModelCalled(request.stepId(), delegate.name(), definition.modelTier(), 0, 0,
              BigDecimal.ZERO, latency, why, null, null, null, prompt.json(), null,
              prompt.changed() ? prompt.summary("prompt") : null));
          usage.accumulateAndGet(new Usage(0, 0, BigDecimal.ZERO, 1, 0), Usage::plus);
          return;
        }
        recorder.record(modelCalled(modelRequest, reply, latency));
        usage.accumulateAndGet(new Usage(reply.inputTokens(), reply.outputTokens(), reply.costUsd(), 1, 0),
            Usage::plus);
      }).whenCompleteAsync((reply, error) -> { }, executor); // the agent's code goes on on its own threads
    }
  }

  private final Tools tools = new Tools() {
    @Override
    public Set<String> granted() {
      return definition.tools();
    }

    @Override
    public Optional<ToolSpec> spec(String tool) {
      return definition.tools().contains(tool) ? toolRegistry.tool(tool).map(Tool::spec) : Optional.empty();
    }

    @Override
    public boolean needsApproval(String name) {
      return toolRegistry.tool(name).map(t -> !t.spec().reversible()).orElse(false)
          || guards.toolsNeedingApproval().contains(name);
    }

    @Override
    public List<String> check(String name, JsonNode input) {
      if (!definition.tools().contains(name) || toolRegistry.tool(name).isEmpty()) {
        return List.of("tool " + name + " is not granted to agent " + agentId + " (it may use: "
            + definition.tools().stream().sorted().toList() + ")");
      }
      return input == null ? List.of("input is missing") : toolRegistry.validate(name, input);
    }

    @Override
    public CompletionStage<JsonNode> call(String name, JsonNode input) {
      String key = request.stepId() + "/tool-" + toolCalls.incrementAndGet();
      Optional<Tool> tool = toolRegistry.tool(name);
      if (!definition.tools().contains(name) || tool.isEmpty()) {
        return refuse(name, key, input, ToolException.Kind.REFUSED,
            "agent " + agentId + " was not granted the tool " + name);
      }
      ToolSpec spec = tool.get().spec();
      if (!spec.reversible()) {
        return refuse(name, key, input, ToolException.Kind.REFUSED, "tool " + name
            + " is irreversible: return StepOutcome.propose(...) so a human can approve the call");
      }
      if (guards.toolsNeedingApproval().contains(name)) {
        return refuse(name, key, input, ToolException.Kind.REFUSED, "tool " + name
            + " needs a human's approval (troupe.agents.tools-needing-approval): return StepOutcome.propose(...)");
      }
      List<String> errors = input == null ? List.of("input is missing") : toolRegistry.validate(name, input);
      if (!errors.isEmpty()) {
        return refuse(name, key, input, ToolException.Kind.INVALID_INPUT,
            "input does not match the schema of " + name + ": " + String.join("; ", errors));
      }
      String sameCall = name + " " + CanonicalJson.sha256(CANONICAL, input);
      int times = identicalToolCalls.merge(sameCall, 1, Integer::sum);
      if (times > guards.maxIdenticalToolCalls()) {
        String why = "RUNAWAY: tool " + name + " was called " + times + " times with the same input in one step"
            + " (the limit is " + guards.maxIdenticalToolCalls() + ")";
        stopped.compareAndSet(null, why);
        return refuse(name, key, input, ToolException.Kind.REFUSED, why);
      }
      // One tenant's cached output is never another's.
      String cacheKey = guards.toolCache() != null && spec.cacheable() ? request.tenant() + " " + sameCall : null;
      if (cacheKey != null) {
        Optional<JsonNode> cached = guards.toolCache().get(cacheKey);
        if (cached.isPresent()) {
          // The same input, a little while ago: the same output, and no call (a cacheable tool only reads).
          recordTool(new ToolCalled(request.stepId(), name, key, input, cached.get(), 0, "cached", null));
          return CompletableFuture.completedFuture(cached.get().deepCopy());
        }
      }
      String inputHash = CanonicalJson.sha256(CANONICAL, input);
      String positionKey = key; // what the task's ledger is asked under: it suffixes by its own entries
      PriorCall prior = priorCalls.get(key);
      if (prior != null && !prior.isCallOf(name, inputHash)) {
        // Another call was made at this position in an earlier run: this one is new, under a key of
        // its own, from its tool and input (the task's ledger makes the same key). Keys journaled
        // before tools were part of it carry the input's hash alone; such a call is still found.
        String older = key + "-" + inputHash.substring(0, 12);
        PriorCall olderCall = priorCalls.get(older);
        if (olderCall != null && olderCall.isCallOf(name, inputHash)) {
          key = older;
          prior = olderCall;
        } else {
          key = EffectLedgerState.keyOfAnother(key, name, inputHash);
          prior = priorCalls.get(key);
        }
      }
      boolean succeeded = prior != null && prior.outcome() != null
          && ("ok".equals(prior.outcome().outcome()) || "reconciled".equals(prior.outcome().outcome()));
      // The journal holds a masked copy of a redacted output: not the answer the agent must get.
      boolean maskedOutput = succeeded && prior.outcome().redactions() != null
          && prior.outcome().redactions().stream().anyMatch(r -> r.startsWith("output:"));
      if (succeeded && !maskedOutput) {
        // Done in an earlier run of this step: the same answer, no second effect.
        return CompletableFuture.completedFuture(prior.outcome().output());
      }
      boolean interrupted = prior != null && prior.intent() != null && (prior.outcome() == null || maskedOutput);
      if (interrupted && !spec.idempotent()) {
        String why = "tool " + name + " call " + key + " was interrupted and " + name
            + " is not idempotent: it may or may not have happened, so it is not run again";
        recordTool(new ToolCalled(request.stepId(), name, key, input, null, 0, "in-doubt", why));
        inDoubt.compareAndSet(null, why);
        return CompletableFuture.failedFuture(new ToolException(ToolException.Kind.IN_DOUBT, why));
      }
      io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
          guards.toolBreakers() == null ? null : guards.toolBreakers().of(name);
      if (breaker != null && !breaker.tryAcquirePermission()) {
        // Not called, and nothing intended: the tool has mostly failed lately.
        String why = "tool " + name + " is unavailable: its circuit breaker is open after repeated failures";
        recordTool(new ToolCalled(request.stepId(), name, key, input, null, 0, "breaker-open", why));
        return CompletableFuture.failedFuture(new ToolException(ToolException.Kind.UNAVAILABLE, why));
      }
      if (spec.idempotent() || guards.effects() == null || interrupted) {
        return invoke(name, key, input, inputHash, tool.get(), spec, breaker, cacheKey, interrupted, null);
      }
      // Not idempotent: another agent may have made this call in an earlier attempt of the step.
      // The task's ledger, not this agent's journal, says whether it did.
      String localKey = key;
      EffectLedgerState.Claim claim = new EffectLedgerState.Claim(positionKey, name, inputHash, agentId,
          request.attempt());
      return guards.effects().claim(request.taskId(), request.traceId(), claim)
          .exceptionally(error -> null)
          .thenComposeAsync(decision -> {
            if (decision == null) {
              if (breaker != null) {
                breaker.releasePermission();
              }
              // The claim may have been journaled after all: give it back (only if it is still this
              // attempt's and open), so a later attempt does not find a call in doubt that never happened.
              String why = "tool " + name + " was not called: the task's effect ledger did not answer";
              recordTool(new ToolCalled(request.stepId(), name, localKey, input, null, 0, "failed", why));
              return guards.effects().release(request.taskId(), request.traceId(), claim)
                  .exceptionally(error -> null)
                  .<JsonNode>thenCompose(released -> CompletableFuture.failedFuture(
                      new ToolException(ToolException.Kind.UNAVAILABLE, why)));
            }
            if (!(decision instanceof EffectLedgerState.Decision.Go go)) {
              if (breaker != null) {
                breaker.releasePermission();
              }
              return recorded(name, input, decision);
            }
            Settler settler = (outcome, output) -> {
              var masked = guards.redactor().redact(output);
              return guards.effects().settle(request.taskId(), request.traceId(), new EffectEvent.EffectSettled(
                      go.key(), agentId, request.attempt(), outcome, masked.json(),
                      masked.changed() ? masked.summary("output") : null))
                  .<Void>thenApply(done -> null)
                  .exceptionally(error -> {
                    // The call happened; its claim stays open, so a later attempt treats it as in doubt.
                    LOG.warn("Could not settle tool call {} of task {} in its effect ledger: {}", go.key(),
                        request.taskId(), error.toString());
                    return null;
                  });
            };
            return invoke(name, go.key(), input, inputHash, tool.get(), spec, breaker, cacheKey, false, settler);
          }, executor);
    }

    /** The answer to a call the task's ledger says was made before: its output, or in doubt. */
    private CompletionStage<JsonNode> recorded(String name, JsonNode input, EffectLedgerState.Decision decision) {
      if (decision instanceof EffectLedgerState.Decision.Done done && done.call().redactions() == null) {
        // Made in an earlier attempt of the step, on this agent or another: the same answer, no second effect.
        recordTool(new ToolCalled(request.stepId(), name, done.key(), input, done.call().output(), 0, "recorded",
            null));
        JsonNode output = done.call().output();
        return CompletableFuture.completedFuture(output == null ? NullNode.getInstance() : output.deepCopy());
      }
      EffectLedgerState.Call call = decision instanceof EffectLedgerState.Decision.Done done ? done.call()
          : ((EffectLedgerState.Decision.InDoubt) decision).call();
      String key = decision instanceof EffectLedgerState.Decision.Done done ? done.key()
          : ((EffectLedgerState.Decision.InDoubt) decision).key();
      String why = "tool " + name + " call " + key + " was made by agent " + call.agentId() + " (attempt "
          + call.attempt() + ") and " + (call.outcome() == null ? "never settled"
              : "timeout".equals(call.outcome()) ? "did not answer in time" : "its output was masked in the journal")
          + "; " + name + " is not idempotent: it may or may not have happened, so it is not run again";
      recordTool(new ToolCalled(request.stepId(), name, key, input, null, 0, "in-doubt", why));
      inDoubt.compareAndSet(null, why);
      return CompletableFuture.failedFuture(new ToolException(ToolException.Kind.IN_DOUBT, why));
    }

    /**
     * Calls the tool: its intent journaled first (unless an interrupted call is being reconciled),
     * then the call on the tool executor, then its outcome recorded, and settled in the task's
     * ledger by {@code settler} when it was claimed there.
     */
    private CompletionStage<JsonNode> invoke(String name, String callKey, JsonNode input, String inputHash, Tool tool,
        ToolSpec spec, io.github.resilience4j.circuitbreaker.CircuitBreaker breaker, String cacheKey,
        boolean interrupted, Settler settler) {
      CompletionStage<Void> intended = interrupted
          ? CompletableFuture.completedFuture(null)
          : recorder.persist(intent(name, callKey, input, inputHash));
      String success = interrupted ? "reconciled" : "ok";
      ToolCall call = new ToolCall(request.taskId(), request.stepId(), agentId, callKey, input);
      // A permit taken must be given back if the call never happens (the intent's write failed);
      // and a claim must be settled: the call did not happen.
      CompletionStage<Void> written = intended.handle((journaled, error) -> error).thenCompose(error -> {
        if (error == null) {
          return CompletableFuture.<Void>completedFuture(null);
        }
        if (breaker != null) {
          breaker.releasePermission();
        }
        // Not called: its claim is settled as failed before the step can go on to another attempt.
        CompletionStage<Void> settled = settler == null ? CompletableFuture.completedFuture(null)
            : settler.settle("failed", null);
        return settled.thenCompose(done -> CompletableFuture.<Void>failedFuture(error));
      });
      // Tool code runs on the tool executor: agent code blocking its own threads on a tool's answer
      // cannot starve the tool. The agent's code goes on on its own executor afterwards.
      return written.thenCompose(journaled -> ToolRunner.run(tool, call, toolExecutor)).thenComposeAsync(ran -> {
        usage.accumulateAndGet(new Usage(0, 0, BigDecimal.ZERO, 0, 1), Usage::plus);
        if (breaker != null) {
          if (ran.ok()) {
            breaker.onSuccess(ran.latencyMs(), TimeUnit.MILLISECONDS);
          } else {
            breaker.onError(ran.latencyMs(), TimeUnit.MILLISECONDS, ran.failure());
          }
        }
        String outcome = ran.ok() ? success : ran.timedOut() ? "timeout" : "failed";
        CompletionStage<Void> settled = settler == null ? CompletableFuture.completedFuture(null)
            : settler.settle(ran.ok() ? "ok" : outcome, ran.ok() ? ran.output() : null);
        // Agent code goes on on its own executor, whichever thread finished the ledger's write.
        return settled.thenApplyAsync(done -> {
          if (ran.ok()) {
            if (cacheKey != null) {
              guards.toolCache().put(cacheKey, ran.output().deepCopy());
            }
            recordTool(new ToolCalled(request.stepId(), name, callKey, input, ran.output(), ran.latencyMs(), success,
                null));
            return ran.output();
          }
          Throwable cause = unwrap(ran.failure());
          String why = ran.timedOut() ? "tool " + name + " did not answer within " + spec.timeout() : describe(cause);
          recordTool(new ToolCalled(request.stepId(), name, callKey, input, null, ran.latencyMs(), outcome, why));
          throw new CompletionException(new ToolException(
              ran.timedOut() ? ToolException.Kind.TIMEOUT : ToolException.Kind.FAILED, why, cause));
        }, executor);
      }, executor);
    }

    private CompletionStage<JsonNode> refuse(
        String name, String key, JsonNode input, ToolException.Kind kind, String why) {
      recordTool(new ToolCalled(request.stepId(), name, key, input, null, 0,
          kind == ToolException.Kind.REFUSED ? "refused" : "invalid-input", why));
      return CompletableFuture.failedFuture(new ToolException(kind, why));
    }
  };

  /** Settles a claimed call in the task's effect ledger; completes (never fails) once it is journaled or given up. */
  @FunctionalInterface
  private interface Settler {
    CompletionStage<Void> settle(String outcome, JsonNode output);
  }

  /** Tool calls are journaled masked; the agent's own copy of the values is untouched. */
  private void recordTool(ToolCalled call) {
    recorder.record(call.redacted(guards.redactor()));
  }

  private AgentEvent.ToolCallIntended intent(String tool, String key, JsonNode input, String inputHash) {
    var masked = guards.redactor().redact(input);
    return new AgentEvent.ToolCallIntended(request.stepId(), tool, key, masked.json(),
        masked.changed() ? masked.summary("input") : null, inputHash);
  }

  private final class Memory implements AgentMemory {
    private final Map<String, String> notes;
    private final List<RecentStep> recent;

    Memory(Map<String, String> notes, List<RecentStep> recent) {
      this.notes = new ConcurrentHashMap<>(notes);
      this.recent = List.copyOf(recent);
    }

    @Override
    public List<RecentStep> recent() {
      return recent;
    }

    @Override
    public Optional<String> note(String key) {
      return Optional.ofNullable(notes.get(key));
    }

    @Override
    public Map<String, String> notes() {
      return Map.copyOf(notes);
    }

    @Override
    public void remember(String key, String value) {
      notes.put(key, value);
      recorder.record(new AgentEvent.NoteRemembered(request.stepId(), key, value));
    }
  }

  /**
   * The outcome of a step whose code failed instead of answering. Wrong input fails for good:
   * no attempt, on any agent, would do better. Anything else is retryable, with the reason,
   * refused tool calls included: a refusal is this agent's fault (another agent for the
   * capability may do the step, and this one's reputation should pay), and tool input a model
   * wrote may be right the next time. Used by the agent entity and the test kit alike.
   */
  public static StepOutcome outcomeOfFailure(String agentId, Throwable error, Duration stepTimeout) {
    Throwable cause = unwrap(error);
    if (cause instanceof TimeoutException) {
      return StepOutcome.retryable("agent " + agentId + " did not finish the step within " + stepTimeout);
    }
    if (cause instanceof InvalidInputException) {
      return StepOutcome.permanent(cause.getMessage());
    }
    if (cause instanceof dev.troupe.sdk.DelegationFailedException delegated) {
      // The child's end is final: another attempt would only meet it again (and not the agent's fault).
      return StepOutcome.permanent(delegated.getMessage());
    }
    return StepOutcome.retryable("agent code failed: " + describe(cause));
  }

  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  static String describe(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof ToolException) {
      return cause.getMessage();
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }
}
