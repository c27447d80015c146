using System.Text.Json;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

/// <summary>
/// The behaviour every <see cref="IAgentCronStore"/> must show, tested through the port only, so that SQLite and
/// PostgreSQL run the same suite unchanged. A store's test project derives from this class and says how to open a store
/// instance on a database; each test gets fresh, empty databases.
/// </summary>
/// <remarks>
/// "Two instances" below means two stores opened on one database, each with its own connections — what two daemons
/// sharing the database have. Instants are passed explicitly to every method, so no clock is involved.
/// </remarks>
public abstract partial class StoreComplianceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    protected static readonly CancellationToken None = CancellationToken.None;

    private readonly List<IAgentCronStore> _opened = [];
    private int _sequence;

    /// <summary>The migrated store on this test's main database.</summary>
    protected IAgentCronStore Store { get; private set; } = null!;

    /// <summary>
    /// Opens a new store instance, not yet migrated, on the database named <paramref name="database"/> of this test (an
    /// empty database on first use; the same database on later calls). Every call must return a separate instance with its
    /// own connections, as a second daemon on the same database would have. The suite disposes what it opens.
    /// </summary>
    protected abstract Task<IAgentCronStore> OpenStoreAsync(string database);

    /// <summary>Removes this test's databases after every store opened on them has been disposed.</summary>
    protected virtual Task DropDatabasesAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Store = await OpenMigratedAsync("main");

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }

        await DropDatabasesAsync();
    }

    /// <summary>Another migrated instance on the named database (the main one by default).</summary>
    protected async Task<IAgentCronStore> OpenMigratedAsync(string database = "main")
    {
        var store = await OpenAsync(database);
        await store.MigrateAsync(None);
        return store;
    }

    protected async Task<IAgentCronStore> OpenAsync(string database)
    {
        var store = await OpenStoreAsync(database);
        lock (_opened)
        {
            _opened.Add(store);
        }

        return store;
    }

    /// <summary>Disposes the main instance and opens a new one on the same database, as a restarted daemon would.</summary>
    protected async Task ReopenAsync()
    {
        lock (_opened)
        {
            _opened.Remove(Store);
        }

        await Store.DisposeAsync();
        Store = await OpenMigratedAsync();
    }

    /// <summary>A unique id that sorts after every id made before it in this test.</summary>
    protected string NewId(string prefix) =>
        $"{prefix}_{Interlocked.Increment(ref _sequence):D6}{Guid.NewGuid().ToString("N")[..8]}";

    protected AgentTask NewTask(
        Trigger? trigger = null,
        DateTimeOffset? nextFireAt = null,
        TaskState status = TaskState.Active,
        string? slug = null,
        TaskPolicies? policies = null)
    {
        var id = NewId("t");
        var created = T0.AddMilliseconds(_sequence);
        return new AgentTask
        {
            Id = id,
            Slug = slug ?? id.Replace('_', '-'),
            Name = "Task " + id,
            Instructions = "check the deploy and report",
            Status = status,
            Trigger = trigger,
            NextFireAt = nextFireAt,
            Policies = policies ?? new TaskPolicies(),
            CreatedAt = created,
            UpdatedAt = created,
            Version = 1,
        };
    }

    protected async Task<AgentTask> CreateTaskAsync(
        Trigger? trigger = null,
        DateTimeOffset? nextFireAt = null,
        TaskState status = TaskState.Active,
        string? slug = null,
        TaskPolicies? policies = null)
    {
        var task = NewTask(trigger, nextFireAt, status, slug, policies);
        await Store.Tasks.CreateAsync(task, null, None);
        return task;
    }

    /// <summary>A queued run (unless <paramref name="status"/> says otherwise) for a fresh occurrence of <paramref name="task"/>.</summary>
    protected TaskRun NewRun(
        AgentTask task,
        DateTimeOffset? notBefore = null,
        bool exclusive = true,
        string? occurrence = null,
        RunStatus status = RunStatus.Queued,
        DateTimeOffset? finishedAt = null)
    {
        var id = NewId("r");
        var at = notBefore ?? T0;
        return new TaskRun
        {
            Id = id,
            TaskId = task.Id,
            Occurrence = occurrence ?? "manual:" + id,
            Trigger = occurrence is null ? RunTrigger.Manual : RunTrigger.Schedule,
            ScheduledFor = at,
            NotBefore = at,
            Exclusive = exclusive,
            Status = status,
            CreatedAt = at,
            StartedAt = finishedAt,
            FinishedAt = finishedAt,
        };
    }

    protected async Task<TaskRun> InsertRunAsync(
        AgentTask task,
        DateTimeOffset? notBefore = null,
        bool exclusive = true,
        RunStatus status = RunStatus.Queued,
        DateTimeOffset? finishedAt = null,
        IAgentCronStore? store = null)
    {
        var run = NewRun(task, notBefore, exclusive, status: status, finishedAt: finishedAt);
        await (store ?? Store).Runs.InsertAsync(run, None);
        return run;
    }

    /// <summary>Writes <paramref name="task"/> over the stored one if that is still at <paramref name="version"/>.</summary>
    protected Task<AgentTask> UpdateTaskAsync(AgentTask task, long version, IAgentCronStore? store = null) =>
        (store ?? Store).Tasks.UpdateAsync(task.Id, version, _ => task, None);

    /// <summary>Claims exactly the one run that is due, for <paramref name="owner"/>, with a 30 s lease from <paramref name="now"/>.</summary>
    protected async Task<ClaimedRun> ClaimOneAsync(string owner, DateTimeOffset now, IAgentCronStore? store = null)
    {
        var claimed = await (store ?? Store).Runs.ClaimAsync(owner, now, now.AddSeconds(30), 1, None);
        return Assert.Single(claimed);
    }

    /// <summary>What a finished attempt writes: the run ended with <paramref name="status"/> and the task's last-run fields.</summary>
    protected static Completion Finish(ClaimedRun claimed, RunStatus status, DateTimeOffset at, string? output = null, string? error = null)
    {
        var run = claimed.Run with
        {
            Status = status,
            FinishedAt = at,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            Output = output,
            Summary = output,
            Error = error,
            ExitCode = status == RunStatus.Succeeded ? 0 : 1,
        };
        var task = claimed.Task with
        {
            LastRunId = run.Id,
            LastRunAt = run.StartedAt,
            LastRunStatus = status,
            LastSummary = output,
            LastError = error,
            ConsecutiveFailures = status == RunStatus.Succeeded ? 0 : claimed.Task.ConsecutiveFailures + 1,
        };
        return new Completion(run, task);
    }

    /// <summary>What a retry writes: the run back in the queue as the next attempt.</summary>
    protected static Completion Retry(ClaimedRun claimed, DateTimeOffset notBefore, string error) => new(
        claimed.Run with
        {
            Status = RunStatus.Queued,
            Attempt = claimed.Run.Attempt + 1,
            NotBefore = notBefore,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            Error = error,
        },
        claimed.Task with { LastError = error });

    protected static NewRunLogEvent LogEntry(string type, int n, int attempt = 1) =>
        new(T0.AddSeconds(n), attempt, type, JsonSerializer.SerializeToElement(new { n, text = $"line {n}" }));

    protected static IReadOnlyList<NewRunLogEvent> LogEntries(string type, int from, int count, int attempt = 1) =>
        [.. Enumerable.Range(from, count).Select(n => LogEntry(type, n, attempt))];

    /// <summary>The <c>n</c> values of log entries, in the order read.</summary>
    protected static List<int> Numbers(IEnumerable<RunLogEvent> events) => [.. events.Select(e => e.Data.GetProperty("n").GetInt32())];

    protected async Task<IReadOnlyList<RunLogEvent>> ReadLogAsync(string runId, IAgentCronStore? store = null) =>
        await (store ?? Store).Logs.ReadAsync(runId, 0, 100_000, None);

    /// <summary>Every run of a task, following the cursor to the end.</summary>
    protected async Task<List<TaskRun>> AllRunsAsync(string? taskId = null, RunStatus? status = null)
    {
        var all = new List<TaskRun>();
        string? cursor = null;
        do
        {
            var page = await Store.Runs.ListAsync(new RunQuery(taskId, status, cursor, 500), None);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return all;
    }

    /// <summary>Every task, following the cursor to the end.</summary>
    protected async Task<List<AgentTask>> AllTasksAsync()
    {
        var all = new List<AgentTask>();
        string? cursor = null;
        do
        {
            var page = await Store.Tasks.ListAsync(new TaskQuery(Cursor: cursor, Limit: 500), None);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return all;
    }

    protected async Task<TaskRun> FindRunAsync(string runId) =>
        await Store.Runs.FindAsync(runId, None) ?? throw new InvalidOperationException($"run {runId} is missing");

    protected async Task<AgentTask> FindTaskAsync(string idOrSlug) =>
        await Store.Tasks.FindAsync(idOrSlug, None) ?? throw new InvalidOperationException($"task {idOrSlug} is missing");

    /// <summary>The occurrence key a planner writes for an instant; any text unique per instant does.</summary>
    protected static string Occurrence(DateTimeOffset instant) => "sched:" + instant.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A planning decision that runs the due occurrence and moves the next fire time on by <paramref name="interval"/>.</summary>
    protected PlanDecision RunAndAdvance(PlanInput input, DateTimeOffset now, TimeSpan interval)
    {
        var due = input.Task.NextFireAt!.Value;
        var run = NewRun(input.Task, due, occurrence: Occurrence(due)) with { CreatedAt = now };
        return new PlanDecision([run], due + interval, input.Task.Status);
    }
}
