using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

/// <summary>
/// Which tasks a list holds: by status, agent provider, thread (the anchors that start with it: <c>slack:C1</c> is the
/// channel's threads too) and a search in name and slug (any letter case), a page at a time.
/// </summary>
public sealed record TaskQuery(TaskState? Status = null, string? Cursor = null, int Limit = 50, string? Agent = null, string? Thread = null, string? Search = null);

/// <summary>Tasks and the planning step that turns due tasks into runs.</summary>
public interface ITaskStore
{
    /// <summary>Inserts a task and, when <paramref name="firstRun"/> is given, its first run, in one transaction.
    /// Throws <see cref="ConflictException"/> when the slug is taken.</summary>
    Task CreateAsync(AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts a task that a run's agent created (<see cref="AgentTask.CreatedByRun"/> set) unless that run has already
    /// created <paramref name="maxPerRun"/> tasks — then <see cref="ForbiddenException"/>. Counting and inserting (with
    /// <paramref name="firstRun"/>, if given) are one transaction, so concurrent requests of one run cannot exceed the limit.
    /// </summary>
    Task CreateFollowUpAsync(AgentTask task, TaskRun? firstRun, int maxPerRun, CancellationToken cancellationToken);

    /// <summary>The task by id or slug, or null.</summary>
    Task<AgentTask?> FindAsync(string idOrSlug, CancellationToken cancellationToken);

    /// <summary>Tasks ordered by creation (oldest first), filtered and paginated server-side.</summary>
    Task<Page<AgentTask>> ListAsync(TaskQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a task and replaces its definition and state by what <paramref name="change"/> makes of it, in one
    /// transaction with the row locked meanwhile: a write of the engine (a run's end, planning) waits for it or comes
    /// first and is then what <paramref name="change"/> sees — never lost, never a conflict. The stored version goes up by
    /// one; the task as written is returned. Throws <see cref="ConflictException"/> when <paramref name="expectedVersion"/>
    /// is given and the stored version is another (or a slug is taken), <see cref="NotFoundException"/> when it is gone;
    /// what <paramref name="change"/> throws is thrown, and nothing is written.
    /// </summary>
    Task<AgentTask> UpdateAsync(string id, long? expectedVersion, Func<AgentTask, AgentTask> change, CancellationToken cancellationToken);

    /// <summary>Deletes a task with its runs and logs. Returns false when it did not exist.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>The earliest <see cref="AgentTask.NextFireAt"/> of any active task, or null.</summary>
    Task<DateTimeOffset?> NextFireAtAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> active tasks whose next fire time is at or before <paramref name="now"/>,
    /// asks <paramref name="plan"/> what to do with each (pure, synchronous, no I/O), and applies every decision —
    /// new runs (skipping occurrences that already have one), the next fire time and the task's status — in one
    /// transaction. Returns how many tasks were planned and how many runs were inserted.
    /// </summary>
    Task<PlanResult> PlanDueAsync(DateTimeOffset now, int limit, Func<PlanInput, PlanDecision> plan, CancellationToken cancellationToken);
}

/// <summary>What the planner sees of a due task: the task and how many of its runs are queued and running.</summary>
public sealed record PlanInput(AgentTask Task, int QueuedRuns, int RunningRuns);

/// <summary>
/// The planner's decision for one task. <see cref="CancelRunning"/> asks the store to flag the task's running runs for
/// cancellation (overlap = replace).
/// </summary>
public sealed record PlanDecision(
    IReadOnlyList<TaskRun> NewRuns,
    DateTimeOffset? NextFireAt,
    TaskState Status,
    bool CancelRunning = false,
    string? StatusReason = null);

public sealed record PlanResult(int Tasks, int Runs);
