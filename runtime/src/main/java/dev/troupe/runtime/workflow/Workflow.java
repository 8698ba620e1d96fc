package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link WorkflowDefinition} in Java; the result is the same data as the JSON form.
 *
 * <pre>{@code
 * WorkflowDefinition onboarding = Workflow.builder("client-onboarding")
 *     .step("summarize", "documents.summarize").input("{\"documents\": \"${input.documents}\"}").done()
 *     .step("compliance", "compliance.check").after("summarize")
 *         .input("{\"client\": \"${input.client}\", \"summary\": \"${steps.summarize.output.summary}\"}").done()
 *     .build();
 * }</pre>
 */
public final class Workflow {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private Workflow() {}

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Parses JSON text; for inputs and conditions written inline. */
  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** The workflow being built. */
  public static final class Builder {
    private final String name;
    private String description;
    private final List<WorkflowStep> steps = new ArrayList<>();
    private JsonNode output;
    private Trigger trigger;
    private Double minConfidence;

    private Builder(String name) {
      this.name = name;
    }

    public Builder description(String text) {
      this.description = text;
      return this;
    }

    public StepBuilder step(String id, String capability) {
      return new StepBuilder(this, id, capability);
    }

    /** Outputs reported with a lower confidence go to a human review before they feed the next step. */
    public Builder minConfidence(double threshold) {
      this.minConfidence = threshold;
      return this;
    }

    public Builder output(String template) {
      this.output = json(template);
      return this;
    }

    /** Start a task of this workflow whenever a task of {@code workflow} ends with {@code on}. */
    public Builder triggeredBy(String on, String workflow, String inputTemplate) {
      this.trigger = new Trigger(on, workflow, null, json(inputTemplate));
      return this;
    }

    public WorkflowDefinition build() {
      return new WorkflowDefinition(name, description, steps, output, trigger, minConfidence);
    }
  }

  /** One step being built; {@link #done()} returns to the workflow. */
  public static final class StepBuilder {
    private final Builder workflow;
    private final String id;
    private final String capability;
    private JsonNode input;
    private final List<String> after = new ArrayList<>();
    private Condition when;
    private ForEach forEach;
    private Loop loop;
    private Duration timeout;
    private Boolean plans;
    private RejectPolicy onReject;
    private Boolean review;
    private Double minConfidence;

    private StepBuilder(Builder workflow, String id, String capability) {
      this.workflow = workflow;
      this.id = id;
      this.capability = capability;
    }

    public StepBuilder input(String template) {
      this.input = json(template);
      return this;
    }

    public StepBuilder after(String... steps) {
      after.addAll(List.of(steps));
      return this;
    }

    public StepBuilder when(Condition condition) {
      this.when = condition;
      return this;
    }

    public StepBuilder forEach(String items, String as, JoinPolicy join, Integer n) {
      this.forEach = new ForEach(items, as, join, n);
      return this;
    }

    public StepBuilder loop(Condition until, int max) {
      this.loop = new Loop(until, max);
      return this;
    }

    public StepBuilder timeout(Duration stepTimeout) {
      this.timeout = stepTimeout;
      return this;
    }

    /** The step's agent plans subtasks (see {@link SubtaskPlan}); the runtime runs them. */
    public StepBuilder plans() {
      this.plans = true;
      return this;
    }

    /** What a rejected proposal of this step's agent does to the step (default: fail). */
    public StepBuilder onReject(RejectPolicy policy) {
      this.onReject = policy;
      return this;
    }

    /** A human reviews (approves) the step's output before it feeds the next step. */
    public StepBuilder review() {
      this.review = true;
      return this;
    }

    /** This step's confidence threshold, instead of the workflow's. */
    public StepBuilder minConfidence(double threshold) {
      this.minConfidence = threshold;
      return this;
    }

    public Builder done() {
      workflow.steps.add(new WorkflowStep(id, capability, input, after, when, forEach, loop, timeout, plans,
          onReject, review, minConfidence));
      return workflow;
    }
  }
}
