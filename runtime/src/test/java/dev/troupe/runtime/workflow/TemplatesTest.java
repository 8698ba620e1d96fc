package dev.troupe.runtime.workflow;

import static dev.troupe.runtime.workflow.Workflow.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TemplatesTest {
  private static final com.fasterxml.jackson.databind.JsonNode SCOPE = json(
      "{\"input\": {\"client\": \"Acme\", \"fee\": 4000, \"contacts\": [\"a@x.test\", \"b@x.test\"]},"
          + " \"steps\": {\"check\": {\"output\": {\"approved\": true, \"findings\": []}}}}");

  @Test
  void aWholeReferenceKeepsTheValuesType() {
    assertEquals(json("{\"fee\": 4000, \"who\": [\"a@x.test\", \"b@x.test\"], \"ok\": true, \"missing\": null}"),
        Templates.resolve(json("{\"fee\": \"${input.fee}\", \"who\": \"${input.contacts}\","
            + " \"ok\": \"${steps.check.output.approved}\", \"missing\": \"${input.nope}\"}"), SCOPE));
  }

  @Test
  void referencesInsideTextAreInterpolated() {
    assertEquals(json("{\"subject\": \"Welcome, Acme (fee 4000, first b@x.test)\"}"), Templates.resolve(
        json("{\"subject\": \"Welcome, ${input.client} (fee ${input.fee}, first ${input.contacts[1]})\"}"), SCOPE));
  }

  @Test
  void lookupsAndReferences() {
    assertEquals("b@x.test", Templates.lookup(SCOPE, "input.contacts[1]").asText());
    assertNull(Templates.lookup(SCOPE, "input.contacts[5]"));
    assertNull(Templates.lookup(SCOPE, "steps.other.output"));
    assertEquals(List.of("input.client", "steps.check.output.approved"),
        Templates.references(json("{\"a\": \"${input.client}\", \"b\": [\"x ${steps.check.output.approved}\"]}")));
  }

  @Test
  void conditionsCompareNumbersByValue() {
    assertTrue(Condition.equalTo("input.fee", json("4000.00")).holds(SCOPE));
    assertTrue(Condition.notEqualTo("steps.check.output.approved", json("false")).holds(SCOPE));
    assertTrue(Condition.present("steps.check.output.findings").holds(SCOPE));
    assertTrue(!Condition.present("steps.check.output.nothing").holds(SCOPE));
  }
}
