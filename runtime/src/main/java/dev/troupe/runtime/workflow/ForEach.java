package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Fan-out: run the step once per element of the array at {@code items} (a template such as
 * {@code "${input.contacts}"}), with the element bound as {@code as} in the step's input, in
 * parallel. The step is done by its {@code join} policy; {@code quorum} needs {@code n}. Its
 * output, for later steps, is {@code {"items": [outputs of the completed runs, in order]}}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ForEach(String items, String as, JoinPolicy join, Integer n) {
  public ForEach {
    join = join == null ? JoinPolicy.ALL : join;
  }
}
