package dev.troupe.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.persistence.TroupeSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs one agent's steps. The agent's code runs on the agent executor, never on this actor's
 * thread; whatever it does (throws, returns a failed stage) ends as a step outcome reported to
 * the task, so a crash in agent code fails one step and this actor keeps serving.
 */
public final class AgentRunner extends AbstractBehavior<AgentRunner.Command> {

  public sealed interface Command extends TroupeSerializable {}

  /** Run one attempt of a step and report to {@code replyTo}. */
  public record RunStep(
      String taskId, String stepId, int attempt, String capability, JsonNode input, ActorRef<StepReport> replyTo)
      implements Command {}

  private record Finished(RunStep step, StepOutcome outcome, Usage usage, long durationMs) implements Command {}

  /** The outcome of one attempt, with what it used as measured by the runtime. */
  public record StepReport(
      String taskId, String stepId, int attempt, String agentId, StepOutcome outcome, Usage usage, long durationMs)
      implements TroupeSerializable {}

  private final AgentDefinition agent;
  private final Executor executor;
  private final Clock clock;

  public static Behavior<Command> create(AgentDefinition agent, Executor executor, Clock clock) {
    return Behaviors.setup(context -> new AgentRunner(context, agent, executor, clock));
  }

  private AgentRunner(ActorContext<Command> context, AgentDefinition agent, Executor executor, Clock clock) {
    super(context);
    this.agent = agent;
    this.executor = executor;
    this.clock = clock;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunStep.class, this::onRunStep)
        .onMessage(Finished.class, this::onFinished)
        .build();
  }

  private Behavior<Command> onRunStep(RunStep step) {
    Instant started = clock.instant();
    MeteredModel model = new MeteredModel(agent.model());
    StepContext stepContext = new StepContext(
        step.taskId(), step.stepId(), step.attempt(), step.capability(), step.input(), model);
    CompletionStage<StepOutcome> run = CompletableFuture
        .supplyAsync(() -> agent.logic().run(stepContext), executor)
        .thenCompose(stage -> stage == null
            ? CompletableFuture.completedFuture(StepOutcome.retryable("agent returned no outcome"))
            : stage);
    getContext().pipeToSelf(run, (outcome, error) -> new Finished(
        step,
        error != null ? StepOutcome.retryable(describe(error)) : outcome,
        model.used(),
        Duration.between(started, clock.instant()).toMillis()));
    return this;
  }

  private Behavior<Command> onFinished(Finished finished) {
    RunStep step = finished.step();
    step.replyTo().tell(new StepReport(step.taskId(), step.stepId(), step.attempt(), agent.id(),
        finished.outcome(), finished.usage(), finished.durationMs()));
    return this;
  }

  private static String describe(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return "agent code failed: " + cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }
}
