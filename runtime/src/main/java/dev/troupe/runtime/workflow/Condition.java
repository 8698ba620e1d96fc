package dev.troupe.runtime.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A test on a value of the workflow's scope: {@code {"path": "steps.compliance.output.approved",
 * "equals": true}}, or {@code notEquals}, or {@code exists}. Exactly one test per condition.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(String path, JsonNode equals, JsonNode notEquals, Boolean exists) {

  public static Condition equalTo(String path, JsonNode value) {
    return new Condition(path, value, null, null);
  }

  public static Condition notEqualTo(String path, JsonNode value) {
    return new Condition(path, null, value, null);
  }

  public static Condition present(String path) {
    return new Condition(path, null, null, true);
  }

  /** True when the value at {@code path} in {@code scope} passes the test. */
  public boolean holds(JsonNode scope) {
    JsonNode value = Templates.lookup(scope, path);
    if (exists != null) {
      return exists == (value != null && !value.isNull());
    }
    if (equals != null) {
      return value != null && Templates.sameValue(value, equals);
    }
    return value == null || !Templates.sameValue(value, notEquals);
  }

  int tests() {
    return (equals != null ? 1 : 0) + (notEquals != null ? 1 : 0) + (exists != null ? 1 : 0);
  }

  @Override
  public String toString() {
    return path + (equals != null ? " == " + equals : notEquals != null ? " != " + notEquals : " exists=" + exists);
  }
}
