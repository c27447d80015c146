using System.Collections.Concurrent;
using System.Diagnostics;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Bench;

/// <summary>
/// Wraps the real store to count and time every call the engine makes (a cheap profile of where the time goes) and to
/// tell the benchmark, without polling, the moment the last expected run was durably recorded as finished.
/// Write timings include the wait in the store's group-commit queue. The nodes of a cluster each wrap their own store but
/// share one <see cref="StoreProfile"/> and one <see cref="FinishedRuns"/>, so the figures are the cluster's.
/// </summary>
internal sealed class InstrumentedStore(IAgentCronStore inner, StoreProfile profile, FinishedRuns finished) : IAgentCronStore
{
    private InstrumentedRunStore? _runs;
    private InstrumentedTaskStore? _tasks;

    public StoreProfile Profile => profile;
    public FinishedRuns Finished => finished;
    public IAgentCronStore Inner => inner;
    public ITaskStore Tasks => _tasks ??= new InstrumentedTaskStore(inner.Tasks, profile);
    public IRunStore Runs => _runs ??= new InstrumentedRunStore(inner.Runs, profile, finished);
    public IRunLogStore Logs => inner.Logs;
    public IThreadStore Threads => inner.Threads;
    public INodeStore Nodes => inner.Nodes;
    public IDeliveryStore Deliveries => inner.Deliveries;
    public IStoreChangeFeed? Changes => inner.Changes;

    public Task MigrateAsync(CancellationToken cancellationToken) => inner.MigrateAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>Counts runs durably written as finished and completes a task when an expected number more have been.</summary>
internal sealed class FinishedRuns
{
    private readonly Lock _lock = new();
    private long _count;
    private long _target = long.MaxValue;
    private TaskCompletionSource<long>? _reached;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Completes with the <see cref="Stopwatch"/> timestamp at which <paramref name="more"/> more runs have finished.</summary>
    public Task<long> Expect(int more)
    {
        lock (_lock)
        {
            _target = _count + more;
            _reached = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _reached.Task;
        }
    }

    public void Add()
    {
        var count = Interlocked.Increment(ref _count);
        lock (_lock)
        {
            if (count >= _target)
            {
                _target = long.MaxValue;
                _reached?.TrySetResult(Stopwatch.GetTimestamp());
            }
        }
    }
}

/// <summary>Call counts and latencies per store method.</summary>
internal sealed class StoreProfile
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<T> TimeAsync<T>(string method, Func<Task<T>> call, Func<T, int>? items = null)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await call();
        _entries.GetOrAdd(method, _ => new Entry()).Add(Stopwatch.GetElapsedTime(start), items?.Invoke(result) ?? 0);
        return result;
    }

    public async Task TimeAsync(string method, Func<Task> call)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        _entries.GetOrAdd(method, _ => new Entry()).Add(Stopwatch.GetElapsedTime(start), 0);
    }

    public void Reset() => _entries.Clear();

    public IReadOnlyList<(string Method, long Calls, double TotalMs, double MeanMs, double MaxMs, long Items)> Snapshot() =>
        [.. _entries.OrderByDescending(e => e.Value.TotalTicks).Select(e => e.Value.Read(e.Key))];

    private sealed class Entry
    {
        private readonly Lock _lock = new();
        private long _calls;
        private long _ticks;
        private long _maxTicks;
        private long _items;

        public long TotalTicks
        {
            get
            {
                lock (_lock)
                {
                    return _ticks;
                }
            }
        }

        public void Add(TimeSpan elapsed, int items)
        {
            lock (_lock)
            {
                _calls++;
                _ticks += elapsed.Ticks;
                _maxTicks = Math.Max(_maxTicks, elapsed.Ticks);
                _items += items;
            }
        }

        public (string, long, double, double, double, long) Read(string method)
        {
            lock (_lock)
            {
                var total = TimeSpan.FromTicks(_ticks).TotalMilliseconds;
                return (method, _calls, total, _calls == 0 ? 0 : total / _calls, TimeSpan.FromTicks(_maxTicks).TotalMilliseconds, _items);
            }
        }
    }
}

internal sealed class InstrumentedTaskStore(ITaskStore inner, StoreProfile profile) : ITaskStore
{
public Task CreateFollowUpAsync(AgentTask task, TaskRun? firstRun, int maxPerRun, CancellationToken cancellationToken) => inner.CreateFollowUpAsync(task, firstRun, maxPerRun, cancellationToken);

        public Task CreateAsync(AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken) =>
        inner.CreateAsync(task, firstRun, cancellationToken);

    public Task<AgentTask?> FindAsync(string idOrSlug, CancellationToken cancellationToken) => inner.FindAsync(idOrSlug, cancellationToken);

    public Task<Page<AgentTask>> ListAsync(TaskQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<AgentTask> UpdateAsync(string id, long? expectedVersion, Func<AgentTask, AgentTask> change, CancellationToken cancellationToken) =>
        inner.UpdateAsync(id, expectedVersion, change, cancellationToken);

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) => inner.DeleteAsync(id, cancellationToken);

    public Task<DateTimeOffset?> NextFireAtAsync(CancellationToken cancellationToken) =>
        profile.TimeAsync("Tasks.NextFireAt", () => inner.NextFireAtAsync(cancellationToken));

    public Task<PlanResult> PlanDueAsync(DateTimeOffset now, int limit, Func<PlanInput, PlanDecision> plan, CancellationToken cancellationToken) =>
        profile.TimeAsync("Tasks.PlanDue", () => inner.PlanDueAsync(now, limit, plan, cancellationToken), r => r.Runs);
}

internal sealed class InstrumentedRunStore(IRunStore inner, StoreProfile profile, FinishedRuns finished) : IRunStore
{
    public Task<TaskRun?> FindAsync(string runId, CancellationToken cancellationToken) => inner.FindAsync(runId, cancellationToken);

    public Task<Page<TaskRun>> ListAsync(RunQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task InsertAsync(TaskRun run, CancellationToken cancellationToken) => inner.InsertAsync(run, cancellationToken);

    public Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, Func<int> limit, CancellationToken cancellationToken) =>
        profile.TimeAsync("Runs.Claim", () => inner.ClaimAsync(owner, now, leaseUntil, limit, cancellationToken), r => r.Count);

    public Task<DateTimeOffset?> NextQueuedAtAsync(DateTimeOffset? after, CancellationToken cancellationToken) =>
        profile.TimeAsync("Runs.NextQueuedAt", () => inner.NextQueuedAtAsync(after, cancellationToken));

    public Task SetProcessAsync(string runId, int attempt, string owner, string host, int pid, string? identity, CancellationToken cancellationToken) =>
        profile.TimeAsync("Runs.SetProcess", () => inner.SetProcessAsync(runId, attempt, owner, host, pid, identity, cancellationToken));

    public Task<IReadOnlyList<LeaseState>> RenewLeasesAsync(string owner, IReadOnlyCollection<string> runIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        profile.TimeAsync("Runs.RenewLeases", () => inner.RenewLeasesAsync(owner, runIds, leaseUntil, cancellationToken), r => r.Count);

    public async Task<bool> CompleteAsync(string runId, int attempt, string owner, Func<ClaimedRun, Completion> decide, IReadOnlyList<NewRunLogEvent> logTail, CancellationToken cancellationToken)
    {
        Completion? decided = null;
        var written = await profile.TimeAsync(
            "Runs.Complete",
            () => inner.CompleteAsync(runId, attempt, owner, current => decided = decide(current), logTail, cancellationToken),
            w => w ? 1 : 0);
        if (written && decided is { Run.IsFinished: true })
        {
            finished.Add();
        }

        return written;
    }

    public Task<IReadOnlyList<TaskRun>> RecoverExpiredAsync(DateTimeOffset now, int limit, Func<ClaimedRun, Completion?> recover, CancellationToken cancellationToken) =>
        profile.TimeAsync("Runs.RecoverExpired", () => inner.RecoverExpiredAsync(now, limit, recover, cancellationToken), r => r.Count);

    public Task<DateTimeOffset?> NextLeaseExpiryAsync(CancellationToken cancellationToken) =>
        profile.TimeAsync("Runs.NextLeaseExpiry", () => inner.NextLeaseExpiryAsync(cancellationToken));

    public Task<TaskRun?> CancelAsync(string runId, DateTimeOffset now, Func<ClaimedRun, Completion> finish, CancellationToken cancellationToken) =>
        inner.CancelAsync(runId, now, finish, cancellationToken);

    public Task<IReadOnlyList<TaskRun>> ActiveRunsAsync(string taskId, CancellationToken cancellationToken) =>
        inner.ActiveRunsAsync(taskId, cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset olderThan, int keepPerTask, int batchSize, CancellationToken cancellationToken) =>
        profile.TimeAsync("Runs.Prune", () => inner.PruneAsync(olderThan, keepPerTask, batchSize, cancellationToken));
}
