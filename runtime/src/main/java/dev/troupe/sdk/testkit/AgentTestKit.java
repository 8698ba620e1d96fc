package dev.troupe.sdk.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.runtime.agent.AgentCatalog;
import dev.troupe.runtime.agent.AgentEvent;
import dev.troupe.runtime.agent.Delegator;
import dev.troupe.runtime.agent.StepSession;
import dev.troupe.runtime.tool.ToolRegistry;
import dev.troupe.sdk.Agent;
import dev.troupe.sdk.AgentMemory;
import dev.troupe.sdk.AgentRegistration;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelGateway;
import dev.troupe.sdk.StepOutcome;
import dev.troupe.sdk.Tool;
import dev.troupe.sdk.Usage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs one agent's step without an ActorSystem or HTTP, in milliseconds, through the same step
 * context the runtime uses: the same tool grants and schema checks, the same metering, the same
 * recorded events. The definition is checked as the runtime checks it at start (granted tools
 * must be given here, the model tier must exist).
 *
 * <pre>{@code
 * StepRun run = AgentTestKit.of(new ComplianceAgent())
 *     .model(ScriptedModel.named("m").otherwise("CLEAR").build())
 *     .run(json("{\"client\": \"Acme\", \"summary\": \"...\"}"));
 * assertEquals(true, run.output().get("approved").asBoolean());
 * assertEquals(1, run.modelCalls().size());
 * }</pre>
 */
public final class AgentTestKit {
  private final Agent agent;
  private ModelClient model = ScriptedModel.named("unscripted").build();
  private final List<Tool> tools = new ArrayList<>();
  private final Map<String, String> notes = new HashMap<>();
  private final List<AgentMemory.RecentStep> recent = new ArrayList<>();
  private final Map<String, Function<JsonNode, JsonNode>> delegations = new HashMap<>();
  private String goal = "";
  private List<String> guidance = List.of();
  private Map<String, JsonNode> dependencies = Map.of();
  private Duration timeout = Duration.ofSeconds(5);
  private Duration modelTimeout = Duration.ofSeconds(5);
  private Clock clock = Clock.systemUTC();

  private AgentTestKit(Agent agent) {
    this.agent = agent;
  }

  public static AgentTestKit of(Agent agent) {
    return new AgentTestKit(agent);
  }

  /** The model every tier of the agent uses (default: one that answers nothing). */
  public AgentTestKit model(ModelClient newModel) {
    this.model = newModel;
    return this;
  }

  public AgentTestKit tools(Tool... given) {
    tools.addAll(List.of(given));
    return this;
  }

  public AgentTestKit notes(Map<String, String> given) {
    notes.putAll(given);
    return this;
  }

  public AgentTestKit recent(List<AgentMemory.RecentStep> given) {
    recent.addAll(given);
    return this;
  }

  public AgentTestKit goal(String newGoal) {
    this.goal = newGoal;
    return this;
  }

  public AgentTestKit guidance(List<String> given) {
    this.guidance = List.copyOf(given);
    return this;
  }

  public AgentTestKit dependencies(Map<String, JsonNode> given) {
    this.dependencies = Map.copyOf(given);
    return this;
  }

  /** Answers delegations of {@code capability} with {@code peer} instead of a child task. */
  public AgentTestKit delegation(String capability, Function<JsonNode, JsonNode> peer) {
    delegations.put(capability, peer);
    return this;
  }

  public AgentTestKit timeout(Duration stepTimeout) {
    this.timeout = stepTimeout;
    return this;
  }

  /** How long one model call may take before it fails (the runtime's troupe.agents.model-timeout). */
  public AgentTestKit modelTimeout(Duration limit) {
    this.modelTimeout = limit;
    return this;
  }

  public AgentTestKit clock(Clock newClock) {
    this.clock = newClock;
    return this;
  }

  /** Runs a step of the agent's first capability. */
  public StepRun run(JsonNode input) {
    return run(agent.definition().capabilities().get(0).capability(), input);
  }

  public StepRun run(String capability, JsonNode input) {
    ToolRegistry registry = new ToolRegistry(tools);
    new AgentCatalog(List.of(AgentRegistration.of(agent)), registry, ModelGateway.allTiers(model));
    String agentId = agent.definition().type() + "-1";
    List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());
    Delegator delegator = delegation -> {
      Function<JsonNode, JsonNode> peer = delegations.get(delegation.capability());
      if (peer == null) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "no peer for delegated capability " + delegation.capability() + " in this test"));
      }
      return CompletableFuture.completedFuture(peer.apply(delegation.input()));
    };
    StepSession session = new StepSession(agentId, agent.definition(),
        new StepSession.Request("task-under-test", "task-under-test.step", 1, capability, input, goal, guidance,
            dependencies, "test", "trace-under-test"),
        model, registry, Runnable::run, notes, recent, Map.of(), new StepSession.Recorder() {
          @Override
          public void record(AgentEvent event) {
            events.add(event);
          }

          @Override
          public java.util.concurrent.CompletionStage<Void> persist(AgentEvent event) {
            events.add(event);
            return CompletableFuture.completedFuture(null);
          }
        }, delegator, clock, modelTimeout);
    StepOutcome outcome;
    try {
      var stage = agent.run(session);
      outcome = stage == null
          ? StepOutcome.retryable("agent returned no outcome")
          : stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      outcome = StepSession.outcomeOfFailure(agentId, e, timeout);
    }
    outcome = session.settle(outcome);
    return new StepRun(outcome, List.copyOf(events), session.usage());
  }

  /** What one step did: its outcome, everything it recorded, and what it used. */
  public record StepRun(StepOutcome outcome, List<AgentEvent> events, Usage usage) {
    /** The output of a completed step; fails the test with the outcome otherwise. */
    public JsonNode output() {
      if (outcome instanceof StepOutcome.Completed completed) {
        return completed.output();
      }
      throw new AssertionError("the step did not complete: " + outcome);
    }

    public List<AgentEvent.ModelCalled> modelCalls() {
      return ofType(AgentEvent.ModelCalled.class);
    }

    public List<AgentEvent.ToolCalled> toolCalls() {
      return ofType(AgentEvent.ToolCalled.class);
    }

    public List<String> decisions() {
      return ofType(AgentEvent.DecisionNoted.class).stream().map(AgentEvent.DecisionNoted::text).toList();
    }

    public Map<String, String> remembered() {
      Map<String, String> out = new LinkedHashMap<>();
      ofType(AgentEvent.NoteRemembered.class).forEach(n -> out.put(n.key(), n.value()));
      return out;
    }

    public <T extends AgentEvent> List<T> ofType(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
