package dev.troupe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.TroupeSettings;
import dev.troupe.persistence.AuditActor;
import dev.troupe.persistence.AuditStamp;
import dev.troupe.persistence.ChainHead;
import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.agent.AgentRunner;
import dev.troupe.runtime.agent.StepOutcome;
import dev.troupe.runtime.agent.Usage;
import dev.troupe.runtime.task.Priority;
import dev.troupe.runtime.task.TaskEntity;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.task.TaskRequest;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every persisted event and every message that may cross nodes goes through Pekko's Jackson
 * serializer and comes back equal; Java serialization is off.
 */
class SerializationTest {
  private static final ActorTestKit kit = ActorTestKit.create("SerializationTest",
      ConfigFactory.parseString("pekko.actor.provider = local").withFallback(TroupeSettings.load()));
  private static final ObjectNode JSON = JsonNodeFactory.instance.objectNode().put("text", "t");
  private static final Usage USAGE = new Usage(3, 4, new BigDecimal("0.0123"), 1, 2);

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  private static final List<TaskEvent> SAMPLE_EVENTS = List.of(
      new TaskEvent.TaskSubmitted("t", "acme", "text.summarize", JSON, 100L, new BigDecimal("0.5"),
          Duration.ofMinutes(10), Priority.HIGH, Map.of("customer", "acme"), "hash"),
      new TaskEvent.StepStarted("t.main", "main", "text.summarize", "summarizer-1", 1),
      new TaskEvent.StepCompleted("t.main", "summarizer-1", 1, JSON, 0.9, USAGE, 12),
      new TaskEvent.StepFailed("t.main", "summarizer-1", 1, "flaky", true, true, USAGE, 12),
      new TaskEvent.TaskCompleted(JSON, USAGE),
      new TaskEvent.TaskFailed("no", USAGE));

  private static JournalEntry entry(TaskEvent event) {
    return new JournalEntry(new AuditStamp(1, Instant.parse("2026-01-01T00:00:00Z"), AuditActor.human("alice"),
        "trace", "t", ChainHead.GENESIS, "ab".repeat(32)), event);
  }

  @Test
  void everyTaskEventHasASampleHere() {
    Set<Class<?>> permitted = Set.of(TaskEvent.class.getPermittedSubclasses());
    Set<Class<?>> sampled = SAMPLE_EVENTS.stream().map(Object::getClass).collect(Collectors.toSet());
    assertEquals(permitted, sampled, "add a sample for each new TaskEvent");
  }

  @Test
  void everyTaskEventRoundTripsInsideItsJournalEntry() {
    for (TaskEvent event : SAMPLE_EVENTS) {
      kit.serializationTestKit().verifySerialization(entry(event), true);
    }
  }

  @Test
  void journalEntriesAreStoredAsVersionedJson() {
    var serialization = SerializationExtension.get(kit.system());
    JournalEntry entry = entry(SAMPLE_EVENTS.get(0));
    var serializer = serialization.findSerializerFor(entry);
    assertEquals(org.apache.pekko.serialization.jackson.JacksonJsonSerializer.class, serializer.getClass());
    assertEquals("dev.troupe.persistence.JournalEntry#1", Serializers.manifestFor(serializer, entry));
    String json = new String(serialization.serialize(entry).get(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(json.contains("\"type\":\"TaskSubmitted\""), json);
  }

  @Test
  void messagesThatMayCrossNodesRoundTrip() {
    TestProbe<TaskEntity.SubmitReply> submitReplies = kit.createTestProbe();
    TestProbe<TaskEntity.GetReply> getReplies = kit.createTestProbe();
    TestProbe<AgentRunner.StepReport> reports = kit.createTestProbe();
    TaskRequest request = new TaskRequest("acme", "text.summarize", JSON, null, Duration.ofSeconds(5),
        Priority.LOW, Map.of("a", "b"), "hash");
    TaskState state = TaskState.empty("t").apply(entry(SAMPLE_EVENTS.get(0)));
    List<Object> messages = List.of(
        new TaskEntity.Submit(request, AuditActor.human("alice"), "trace", submitReplies.ref()),
        new TaskEntity.Get(getReplies.ref()),
        new TaskEntity.Accepted("t", "trace", TaskStatus.ACCEPTED, true),
        new TaskEntity.IdempotencyConflict("t"),
        new TaskEntity.Refused("why"),
        new TaskEntity.Found(state),
        new TaskEntity.NotFound("t"),
        new AgentRunner.RunStep("t", "t.main", 1, "text.summarize", JSON, reports.ref()),
        new AgentRunner.StepReport("t", "t.main", 1, "a", StepOutcome.completed(JSON, 0.5), USAGE, 3),
        new AgentRunner.StepReport("t", "t.main", 1, "a", StepOutcome.permanent("bad"), Usage.NONE, 3));
    for (Object message : messages) {
      kit.serializationTestKit().verifySerialization(message, true);
    }
  }

  @Test
  void javaSerializationIsOff() {
    assertEquals(false, kit.system().settings().config().getBoolean("pekko.actor.allow-java-serialization"));
  }
}
