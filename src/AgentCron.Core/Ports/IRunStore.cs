using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

public sealed record RunQuery(string? TaskId = null, RunStatus? Status = null, string? Cursor = null, int Limit = 50);

/// <summary>A run handed to this node, with the task it belongs to as it was when claimed.</summary>
public sealed record ClaimedRun(TaskRun Run, AgentTask Task);

/// <summary>The lease state of one of this node's runs after a heartbeat.</summary>
public sealed record LeaseState(string RunId, bool CancelRequested);

/// <summary>
/// The new state of a run and of its task after an attempt ends (or a queued run is cancelled, or a lease is recovered).
/// The store writes the run's state and the task's runtime fields, status and reason — never the task's definition —
/// and, when given, the thread's agent session, entries for the run's log and its deliveries, all in one transaction.
/// </summary>
public sealed record Completion(TaskRun Run, AgentTask Task, ThreadSession? Session = null)
{
    /// <summary>Entries appended to the run's log with the new state (a recovery's <c>attempt.abandoned</c>).</summary>
    public IReadOnlyList<NewRunLogEvent> Log { get; init; } = [];

    /// <summary>The outbox rows of a finished run (<see cref="Engine.DeliveryPolicy.Add"/>), written with it.</summary>
    public IReadOnlyList<NewDelivery> Deliveries { get; init; } = [];

    public void Deconstruct(out TaskRun run, out AgentTask task) => (run, task) = (Run, Task);
}

/// <summary>Runs: claims under lease, heartbeats, completion, recovery, cancellation and retention.</summary>
public interface IRunStore
{
    Task<TaskRun?> FindAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Runs newest first, filtered and paginated server-side.</summary>
    Task<Page<TaskRun>> ListAsync(RunQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts a run (manual run). Throws <see cref="ConflictException"/> if the occurrence already has one, and
    /// <see cref="NotFoundException"/> if its task is gone (deleted while the run was being made).
    /// </summary>
    Task InsertAsync(TaskRun run, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically moves up to <paramref name="limit"/> queued runs whose <see cref="TaskRun.NotBefore"/> has come to
    /// <c>running</c> under a lease owned by <paramref name="owner"/> until <paramref name="leaseUntil"/>, oldest first.
    /// An exclusive run is not claimed while another run of its task is running, and a run of a task anchored to a thread
    /// is not claimed while a run of any task on the same thread and provider is running (they share one agent session).
    /// Two callers never get the same run. <paramref name="limit"/> is asked when the claim runs, not when it is called:
    /// slots that free up while the claim waits for the database (its turn at SQLite's writer, a pooled connection) are
    /// filled by it.
    /// </summary>
    Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, Func<int> limit, CancellationToken cancellationToken);

    /// <summary>
    /// The earliest <see cref="TaskRun.NotBefore"/> of any queued run — of those strictly after <paramref name="after"/>
    /// when it is given — or null.
    /// </summary>
    Task<DateTimeOffset?> NextQueuedAtAsync(DateTimeOffset? after, CancellationToken cancellationToken);

    /// <summary>
    /// Records the agent process of a running attempt — host, pid and the process's identity (boot and start time, so a
    /// recycled pid is never mistaken for it) — for orphan clean-up after a crash.
    /// </summary>
    Task SetProcessAsync(string runId, int attempt, string owner, string host, int pid, string? identity, CancellationToken cancellationToken);

    /// <summary>
    /// Extends the lease of those of <paramref name="runIds"/> that <paramref name="owner"/> still holds and returns them
    /// with their cancel flags. A run missing from the answer has been lost (taken over or finished elsewhere) and must be
    /// abandoned without writing. Runs the owner holds but does not name are not renewed: their leases run out and the
    /// reaper recovers them.
    /// </summary>
    Task<IReadOnlyList<LeaseState>> RenewLeasesAsync(string owner, IReadOnlyCollection<string> runIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a finished attempt — the run (finished or re-queued for a retry) and its task's runtime fields, as
    /// <paramref name="decide"/> computes them from the current rows — in one transaction, and only if
    /// <paramref name="owner"/> still holds the lease on <paramref name="attempt"/> (fencing: a node that lost its lease
    /// cannot overwrite the attempt another node took over). <paramref name="logTail"/> — the attempt's last log entries —
    /// is appended in the same transaction. Returns false, writing nothing, if the lease is no longer held.
    /// </summary>
    Task<bool> CompleteAsync(
        string runId,
        int attempt,
        string owner,
        Func<ClaimedRun, Completion> decide,
        IReadOnlyList<NewRunLogEvent> logTail,
        CancellationToken cancellationToken);

    /// <summary>
    /// Finds up to <paramref name="limit"/> running runs whose lease expired before <paramref name="now"/>, asks
    /// <paramref name="recover"/> what becomes of each (re-queued as a new attempt, or finished), and writes it — each only if
    /// the lease is still the expired one. <paramref name="recover"/> may answer null to leave a run as it is (its owner is
    /// known to be alive). Returns the runs recovered, as they were before recovery.
    /// </summary>
    Task<IReadOnlyList<TaskRun>> RecoverExpiredAsync(DateTimeOffset now, int limit, Func<ClaimedRun, Completion?> recover, CancellationToken cancellationToken);

    /// <summary>The earliest lease expiry of any running run, or null.</summary>
    Task<DateTimeOffset?> NextLeaseExpiryAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Cancels a run: a queued run becomes <c>cancelled</c> at once (and its task is updated by <paramref name="finish"/>);
    /// a running run is flagged so its owner kills it. Returns the run after the change, or null if it does not exist.
    /// </summary>
    Task<TaskRun?> CancelAsync(string runId, DateTimeOffset now, Func<ClaimedRun, Completion> finish, CancellationToken cancellationToken);

    /// <summary>A task's queued and running runs.</summary>
    Task<IReadOnlyList<TaskRun>> ActiveRunsAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes finished runs (and their logs) that finished before <paramref name="olderThan"/>, or that are beyond the
    /// newest <paramref name="keepPerTask"/> finished runs of their task, at most <paramref name="batchSize"/> per call —
    /// but never a run with a delivery still pending (its result is not out yet). Returns how many were deleted; callers
    /// repeat until it returns less than the batch.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset olderThan, int keepPerTask, int batchSize, CancellationToken cancellationToken);
}
