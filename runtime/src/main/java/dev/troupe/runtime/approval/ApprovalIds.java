package dev.troupe.runtime.approval;

import dev.troupe.persistence.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Approval ids name their task ({@code apr_<task>_<run>}), so an approval is found, decided and
 * shown by asking its task alone: no index has to be consistent with the journal for that.
 */
public final class ApprovalIds {
  private static final String TASK_PREFIX = "tsk_";
  private static final Pattern APPROVAL = Pattern.compile("apr_([A-Za-z0-9-]{1,60})_([0-9a-f]{12})");

  private ApprovalIds() {}

  /** The same for every redelivery of the same attempt's proposal. */
  public static String of(String taskId, String stepId, int attempt) {
    byte[] digest = CanonicalJson.sha256().digest((stepId + "#" + attempt).getBytes(StandardCharsets.UTF_8));
    String task = taskId.startsWith(TASK_PREFIX) ? taskId.substring(TASK_PREFIX.length()) : taskId;
    return "apr_" + task + "_" + HexFormat.of().formatHex(digest, 0, 6);
  }

  /** The task an approval id belongs to; empty for anything that is not an approval id. */
  public static Optional<String> taskOf(String approvalId) {
    Matcher matcher = APPROVAL.matcher(approvalId);
    return matcher.matches() ? Optional.of(TASK_PREFIX + matcher.group(1)) : Optional.empty();
  }
}
