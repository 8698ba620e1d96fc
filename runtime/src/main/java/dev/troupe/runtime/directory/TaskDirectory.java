package dev.troupe.runtime.directory;

import dev.troupe.persistence.JournalEntry;
import dev.troupe.runtime.approval.Approval;
import dev.troupe.runtime.approval.ApprovalStatus;
import dev.troupe.runtime.task.TaskEvent;
import dev.troupe.runtime.task.TaskState;
import dev.troupe.runtime.task.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;

/**
 * The read side behind task and approval lists: every task's summary and every approval, by
 * tenant, newest first. It folds the {@code task}-tagged journal with the same
 * {@link TaskState#apply} the entities use, so a list never disagrees with a task about what
 * its events mean; it keeps the full state only of unfinished tasks.
 *
 * <p>One writer (the journal stream, in order) and any number of readers: readers see immutable
 * records in concurrent maps, so a list never blocks a fold.
 */
public final class TaskDirectory {
  /** Newest first; ties by id, so the order (and a cursor into it) is total. */
  private static final Comparator<Key> NEWEST_FIRST =
      Comparator.comparing(Key::at, Comparator.reverseOrder()).thenComparing(Key::id);

  private record Key(Instant at, String id) {}

  /** Told of every event folded, in journal order, with the task before and after it. */
  public interface Listener {
    void folded(TaskState before, TaskState after, JournalEntry entry);
  }

  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Map<String, TaskState> unfinished = new ConcurrentHashMap<>();
  private final Map<String, Key> taskKeys = new ConcurrentHashMap<>();
  private final Map<String, NavigableMap<Key, TaskSummary>> tasksByTenant = new ConcurrentHashMap<>();
  private final Map<String, NavigableMap<Key, ApprovalEntry>> approvalsByTenant = new ConcurrentHashMap<>();
  private volatile long offset;
  private volatile boolean current;
  /** Tasks acknowledged to a client that the journal stream has not delivered yet. */
  private final Map<String, String> expected = new ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> unfinishedByTenant = new ConcurrentHashMap<>();

  /** The journal offset folded so far (the tag's ordering); where a restarted stream resumes. */
  public long offset() {
    return offset;
  }

  /**
   * Folds one task event. Events of a task arrive in order; one already folded (a stream that
   * restarted from an earlier offset) or of a task already finished is ignored.
   */
  public synchronized void apply(String taskId, JournalEntry entry, long atOffset) {
    offset = Math.max(offset, atOffset);
    TaskState before = unfinished.get(taskId);
    if (before == null) {
      if (!(entry.event() instanceof TaskEvent.TaskSubmitted) || taskKeys.containsKey(taskId)) {
        return;
      }
      before = TaskState.empty(taskId);
    } else if (entry.stamp().seq() <= before.chainHead().seq()) {
      return;
    }
    TaskState after = before.apply(entry);
    if (after.isEmpty()) {
      return;
    }
    for (Listener listener : listeners) {
      try {
        listener.folded(before, after, entry);
      } catch (RuntimeException e) {
        // A listener (metrics) must never stop the lists from following the journal.
        org.slf4j.LoggerFactory.getLogger(TaskDirectory.class).warn("A directory listener failed on {} of {}",
            entry.eventType(), taskId, e);
      }
    }
    expected.remove(taskId);
    if (after.status().isFinal()) {
      if (unfinished.remove(taskId) != null) {
        counter(after.tenant()).decrementAndGet();
      }
    } else if (unfinished.put(taskId, after) == null) {
      counter(after.tenant()).incrementAndGet();
    }
    Key key = taskKeys.computeIfAbsent(taskId, id -> new Key(after.createdAt(), id));
    tasksByTenant.computeIfAbsent(after.tenant(), t -> new ConcurrentSkipListMap<>(NEWEST_FIRST))
        .put(key, TaskSummary.of(after));
    if (!after.approvals().equals(before.approvals())) {
      NavigableMap<Key, ApprovalEntry> approvals =
          approvalsByTenant.computeIfAbsent(after.tenant(), t -> new ConcurrentSkipListMap<>(NEWEST_FIRST));
      for (Approval approval : after.approvals()) {
        approvals.put(new Key(approval.requestedAt(), approval.approvalId()),
            new ApprovalEntry(taskId, after.tenant(), approval));
      }
    }
  }

  /**
   * Admits task {@code taskId} of {@code tenant} if {@code rule} finds room for it, counting it in
   * flight at once (a reservation, until the journal stream delivers it or {@link #release}).
   * Checking and counting are one step, so concurrent submissions cannot all see the last free
   * place. Answers why not, or empty when admitted.
   */
  public synchronized Admission admit(String taskId, String tenant,
      java.util.function.BiFunction<Integer, Integer, Optional<String>> rule) {
    Optional<String> refusal = rule.apply(inFlight(), inFlight(tenant));
    // A task already known (folded, or admitted and on its way) is not counted twice.
    boolean reserved = refusal.isEmpty() && !taskKeys.containsKey(taskId) && !expected.containsKey(taskId);
    if (reserved) {
      expected.put(taskId, tenant);
    }
    return new Admission(refusal, reserved);
  }

  /** Why a task was not admitted (empty: admitted), and whether admitting it counted it in flight. */
  public record Admission(Optional<String> refusal, boolean reserved) {}

  /** Gives back an admission whose task was not created (a repeat, a conflict, a failed write). */
  public synchronized void release(String taskId) {
    expected.remove(taskId);
  }

  /**
   * Whether the directory has folded the whole journal as it was when the node started. Before
   * that, its lists and counts are partial (finished tasks may still show as running), so the
   * node is not ready and serves neither lists nor admission decisions.
   */
  public boolean isCurrent() {
    return current;
  }

  /** The initial fold is done; from here on the directory trails the journal only by its polling. */
  public void markCurrent() {
    current = true;
  }

  /** Adds a listener; register it before the directory starts following the journal. */
  public void listen(Listener listener) {
    listeners.add(listener);
  }

  /** Whether task {@code taskId} is one of {@code tenant}'s, as far as the journal has been folded. */
  public boolean hasTask(String tenant, String taskId) {
    Key key = taskKeys.get(taskId);
    NavigableMap<Key, TaskSummary> tasks = tasksByTenant.get(tenant);
    return key != null && tasks != null && tasks.containsKey(key);
  }

  /** Approvals waiting for a human, in all tenants. */
  public int pendingApprovals() {
    return (int) approvalsByTenant.values().stream().flatMap(m -> m.values().stream())
        .filter(a -> a.approval().status() == ApprovalStatus.PENDING).count();
  }

  /** Unfinished tasks, in all. */
  public int inFlight() {
    return unfinished.size() + expected.size();
  }

  /** Unfinished tasks of {@code tenant}. */
  public int inFlight(String tenant) {
    java.util.concurrent.atomic.AtomicInteger folded = unfinishedByTenant.get(tenant);
    long waiting = expected.values().stream().filter(tenant::equals).count();
    return (folded == null ? 0 : folded.get()) + (int) waiting;
  }

  private java.util.concurrent.atomic.AtomicInteger counter(String tenant) {
    return unfinishedByTenant.computeIfAbsent(tenant, t -> new java.util.concurrent.atomic.AtomicInteger());
  }

  /** The tenant's tasks, newest first, optionally of one status. */
  public Page<TaskSummary> tasks(String tenant, Optional<TaskStatus> status, int limit, Optional<String> cursor) {
    return page(tasksByTenant.get(tenant), s -> status.isEmpty() || s.status() == status.get(), limit, cursor);
  }

  /** The tenant's approvals, newest first, optionally of one status. */
  public Page<ApprovalEntry> approvals(
      String tenant, Optional<ApprovalStatus> status, int limit, Optional<String> cursor) {
    return page(approvalsByTenant.get(tenant), a -> status.isEmpty() || a.approval().status() == status.get(), limit,
        cursor);
  }

  /** Whether {@code cursor} is one this directory could have handed out. */
  public static boolean isCursor(String cursor) {
    return decode(cursor).isPresent();
  }

  private static <T> Page<T> page(
      NavigableMap<Key, T> items, Predicate<T> wanted, int limit, Optional<String> cursor) {
    if (items == null) {
      return new Page<>(List.of(), null);
    }
    NavigableMap<Key, T> from = cursor.flatMap(TaskDirectory::decode).map(k -> items.tailMap(k, false)).orElse(items);
    List<T> page = new ArrayList<>();
    Key last = null;
    Iterator<Map.Entry<Key, T>> it = from.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Key, T> next = it.next();
      if (!wanted.test(next.getValue())) {
        continue;
      }
      if (page.size() == limit) {
        return new Page<>(page, encode(last)); // one more exists: hand out a cursor to it
      }
      page.add(next.getValue());
      last = next.getKey();
    }
    return new Page<>(page, null);
  }

  private static String encode(Key key) {
    String raw = key.at().getEpochSecond() + ":" + key.at().getNano() + ":" + key.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static Optional<Key> decode(String cursor) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(Objects.requireNonNull(cursor)), StandardCharsets.UTF_8);
      String[] parts = raw.split(":", 3);
      if (parts.length != 3 || parts[2].isEmpty()) {
        return Optional.empty();
      }
      long nanos = Long.parseLong(parts[1]);
      if (nanos < 0 || nanos > 999_999_999) {
        return Optional.empty();
      }
      return Optional.of(new Key(Instant.ofEpochSecond(Long.parseLong(parts[0]), nanos), parts[2]));
    } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
      return Optional.empty();
    }
  }
}
