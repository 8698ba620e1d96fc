package dev.troupe.runtime.agent;

/**
 * Where an attempt of a step is in its agent's journal ({@code Agent|<agentId>}): its events lie
 * between these sequence numbers, inclusive, among other steps' events. A task's journal points
 * here instead of copying the agent's model and tool calls; readers (the audit timeline, the
 * event stream) fetch them from there.
 */
public record StepRecord(long fromSeq, long toSeq) {
  public StepRecord {
    if (fromSeq < 1 || toSeq < fromSeq) {
      throw new IllegalArgumentException("a step record spans sequence numbers 1 <= from <= to, not " + fromSeq
          + ".." + toSeq);
    }
  }
}
