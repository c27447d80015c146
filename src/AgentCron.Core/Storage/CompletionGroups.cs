using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

/// <summary>
/// Writes the completions that arrive while others are being written together, in one transaction: their runs fenced
/// and locked in one statement, their tasks in another, every write in one batch, one commit for all. Where each
/// statement is a round trip and each commit a flush to disk (PostgreSQL), the cost per run falls as more runs finish at
/// once; with one completion at a time it is the same transaction as before. A completion whose decision throws is left
/// out and fails alone; a transaction that fails fails each completion of its group, and each caller tries again.
/// </summary>
internal sealed class CompletionGroups(IStoreDatabase db, StoreStatements statements)
{
    private const int MaxGroup = 128;

    private readonly Lock _lock = new();
    private readonly List<Pending> _pending = [];
    private bool _writing;

    public Task<bool> CompleteAsync(string runId, int attempt, string owner, Func<ClaimedRun, Completion> decide, IReadOnlyList<NewRunLogEvent> logTail)
    {
        var pending = new Pending(runId, attempt, owner, decide, logTail);
        lock (_lock)
        {
            _pending.Add(pending);
            if (_writing)
            {
                return pending.Result.Task;
            }

            _writing = true;
        }

        _ = Task.Run(WriteWaitingAsync);
        return pending.Result.Task;
    }

    /// <summary>Writes group after group until none is waiting; one writer at a time, so a group forms while one is written.</summary>
    private async Task WriteWaitingAsync()
    {
        while (true)
        {
            List<Pending> group;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                group = _pending[..Math.Min(MaxGroup, _pending.Count)];
                _pending.RemoveRange(0, group.Count);
            }

            try
            {
                var outcomes = await db.WriteAsync((write, ct) => WriteAsync(write, group, ct), CancellationToken.None);
                for (var i = 0; i < group.Count; i++)
                {
                    if (outcomes[i].Error is { } error)
                    {
                        group[i].Result.TrySetException(error);
                    }
                    else
                    {
                        group[i].Result.TrySetResult(outcomes[i].Written);
                    }
                }
            }
            catch (Exception ex)
            {
                foreach (var pending in group)
                {
                    pending.Result.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>Applies the group's decisions; returns, per completion, whether it was written (false: fenced out) or the error of its decision.</summary>
    private async Task<Outcome[]> WriteAsync(StoreWrite write, List<Pending> group, CancellationToken cancellationToken)
    {
        // Fencing: a run is written only if this owner still holds this attempt; a recovery or a takeover that committed
        // first has changed one of them, and the result is dropped. Once locked, neither can come between.
        var (runs, tasks, queuedSiblings) = await statements.LockForCompletionAsync(
            write.Connection, [.. group.Select(p => p.RunId).Distinct(StringComparer.Ordinal)], cancellationToken);
        var outcomes = new Outcome[group.Count];
        var completions = new List<Completion>(group.Count);
        for (var i = 0; i < group.Count; i++)
        {
            var pending = group[i];
            if (!runs.Remove(pending.RunId, out var run) || run.Attempt != pending.Attempt || run.LeaseOwner != pending.Owner)
            {
                continue;
            }

            try
            {
                // Two runs of one task in a group are decided in turn, each on the task as the one before left it.
                var decided = pending.Decide(new ClaimedRun(run, tasks[run.TaskId]));
                tasks[run.TaskId] = decided.Task;
                completions.Add(decided with { Log = [.. decided.Log, .. pending.LogTail] });
                outcomes[i] = new Outcome(true, null);
            }
            catch (Exception ex)
            {
                outcomes[i] = new Outcome(false, ex);
            }
        }

        await statements.WriteCompletionsAsync(write, completions, queuedSiblings, cancellationToken);
        return outcomes;
    }

    private sealed record Pending(string RunId, int Attempt, string Owner, Func<ClaimedRun, Completion> Decide, IReadOnlyList<NewRunLogEvent> LogTail)
    {
        public TaskCompletionSource<bool> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct Outcome(bool Written, Exception? Error);
}
