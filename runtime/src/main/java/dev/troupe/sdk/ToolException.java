package dev.troupe.sdk;

/** Why a tool call did not run or did not succeed. The message is recorded in the journal. */
public class ToolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure: it decides whether a retry can help. */
  public enum Kind {
    /** The agent was not granted the tool, or the tool is irreversible and must be proposed. */
    REFUSED,
    /** The input does not satisfy the tool's schema. */
    INVALID_INPUT,
    /** The tool took longer than its timeout. */
    TIMEOUT,
    /** The tool itself failed. */
    FAILED,
    /**
     * An earlier run of the step called the tool and was interrupted before its outcome was
     * recorded, and the tool is not idempotent: it is not run again; the step escalates.
     */
    IN_DOUBT,
    /**
     * The tool's circuit breaker is open (its recent calls mostly failed): it was not called. A
     * step that fails for this is retried later, maybe by another agent.
     */
    UNAVAILABLE
  }

  private final Kind kind;

  public ToolException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ToolException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
