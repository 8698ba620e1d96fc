package dev.troupe.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.DomainEvent;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.directory.TaskDirectory;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.sdk.Usage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics as the directory's fold feeds them, in Prometheus text. */
class TaskMetricsTest {
  private final TaskDirectory directory = new TaskDirectory();
  private final TaskMetrics metrics = new TaskMetrics(directory);
  private long seq;

  private void apply(DomainEvent event) {
    seq++;
    directory.apply("tsk_1", new JournalEntry(new AuditStamp(seq, Instant.ofEpochSecond(seq), AuditActor.system("t"),
        "tr", "tsk_1", "p", "h"), event), seq);
  }

  @Test
  void countsTasksStepsTokensAndCostFromTheJournal() {
    directory.listen(metrics);
    apply(new TaskEvent.TaskSubmitted("tsk_1", "acme", "text.summarize", null, null, null, null,
        JsonNodeFactory.instance.objectNode(), null, null, null, Priority.NORMAL, Map.of(), "h"));
    apply(new TaskEvent.StepPlanned("tsk_1.main", "main", "text.summarize", null, null, null));
    apply(new TaskEvent.StepStarted("tsk_1.main", "main", "text.summarize", "a-1", 1));
    apply(new TaskEvent.StepCompleted("tsk_1.main", "a-1", 1, JsonNodeFactory.instance.objectNode(), 1.0,
        new Usage(10, 5, new BigDecimal("0.002"), 1, 0), 1500));
    apply(new TaskEvent.TaskCompleted(JsonNodeFactory.instance.objectNode(), Usage.NONE));
    String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
    for (String line : new String[] {"troupe_tasks_submitted_total{tenant=\"acme\"} 1.0",
        "troupe_tasks_finished_total{status=\"COMPLETED\",tenant=\"acme\"} 1.0",
        "troupe_step_attempts_total{capability=\"text.summarize\",outcome=\"completed\"} 1.0",
        "troupe_model_tokens_total{capability=\"text.summarize\"} 15.0",
        "troupe_model_cost_usd_total{capability=\"text.summarize\"} 0.002",
        "troupe_step_duration_seconds_bucket{capability=\"text.summarize\",le=\"2.5\"} 1",
        "troupe_tasks_in_flight 0.0"}) {
      assertTrue(text.contains(line), line + " in\n" + text);
    }
  }
}
