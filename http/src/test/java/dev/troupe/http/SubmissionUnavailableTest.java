package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;

/** A 503 on submit names the task it may have journaled, so a client can look it up rather than submit twice. */
class SubmissionUnavailableTest {
  @Test
  void theAnswerNamesTheTaskThatMayHaveBeenJournaled() throws Exception {
    HttpResponse response = TaskRoutes.submissionUnavailable(new CompletionException(new TimeoutException("ask")),
        "tsk_0123456789abcdef0123456789abcdef");
    assertEquals(503, response.status().intValue());
    assertEquals("1", response.getHeader("Retry-After").orElseThrow().value());
    assertEquals("application/problem+json", response.entity().getContentType().mediaType().toString());
    JsonNode body = ApiJson.MAPPER.readTree(((HttpEntity.Strict) response.entity()).getData().toArray());
    assertEquals("tsk_0123456789abcdef0123456789abcdef", body.get("taskId").asText());
    assertTrue(body.get("detail").asText().startsWith("the runtime did not confirm the task in time; it may have been"
        + " journaled as tsk_0123456789abcdef0123456789abcdef: GET /v1/tasks/"), body.toString());
  }
}
