using System.Collections.Concurrent;
using System.Threading.Channels;
using AgentCron.Agents.Processes;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.Sqlite;
using AgentCron.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentCron.Core.Tests.Engine;

/// <summary>
/// A scheduler on a real temp SQLite file and a fake clock, driven pass by pass by the test (its loops run only when a test
/// starts them: <see cref="WhileLoopRunsAsync"/>, <see cref="Scheduler"/>.Start, <see cref="RestartAsync"/>), with a
/// runner the test controls.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly TimeSpan _storeRoundTrip;
    private readonly RunStoreInterceptor? _interceptRuns;
    private Task _heartbeat = System.Threading.Tasks.Task.CompletedTask;

    private EngineHarness(SchedulerOptions options, TimeSpan storeRoundTrip, RunStoreInterceptor? interceptRuns, DeliveryPolicy? deliveries)
    {
        Time = new FakeTimeProvider(Start);
        Options = options;
        Deliveries = deliveries ?? new DeliveryPolicy(DeliveryChannels.None, new DeliveryOptions());
        (_storeRoundTrip, _interceptRuns) = (storeRoundTrip, interceptRuns);
        (Store, Scheduler) = Open();
    }

    public FakeTimeProvider Time { get; }
    public SqliteStore Store { get; private set; }
    public TestRunner Runner { get; } = new();
    public SchedulerOptions Options { get; }
    public DeliveryPolicy Deliveries { get; }
    public Scheduler Scheduler { get; private set; }
    public DateTimeOffset Now => Time.GetUtcNow();

    /// <param name="options">The scheduler's options; by default a node id and short retry delays.</param>
    /// <param name="storeRoundTrip">
    /// When set, every call the engine makes on the runs takes this long on the fake clock (the clock moves before the
    /// store answers), as a round trip to a database server does. The test's own <see cref="Store"/> stays instant.
    /// </param>
    /// <param name="interceptRuns">When set, sees (and may answer instead of the store) every call the engine makes on the runs.</param>
    /// <param name="deliveries">The outbox's channels and settings; by default no channel.</param>
    public static async Task<EngineHarness> StartAsync(SchedulerOptions? options = null, TimeSpan storeRoundTrip = default, RunStoreInterceptor? interceptRuns = null, DeliveryPolicy? deliveries = null)
    {
        var harness = new EngineHarness(
            options ?? new SchedulerOptions
            {
                NodeId = "node-test",
                RetryBaseDelay = TimeSpan.FromSeconds(10),
                RetryMaxDelay = TimeSpan.FromMinutes(1),
            },
            storeRoundTrip,
            interceptRuns,
            deliveries);
        await harness.Store.MigrateAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>
    /// A daemon restart: stops the scheduler and closes the store (call it when no attempt is running: a stop would wait
    /// out its shutdown grace on the fake clock), lets <paramref name="downFor"/> pass while nothing runs, then opens the
    /// same database file with a new store and a new scheduler and starts all its loops, as <c>agentcron serve</c> does.
    /// </summary>
    public async Task RestartAsync(TimeSpan downFor)
    {
        await Scheduler.DisposeAsync();
        await _heartbeat;
        await Store.DisposeAsync();
        Time.Advance(downFor);
        (Store, Scheduler) = Open();
        await Store.MigrateAsync(CancellationToken.None);
        Scheduler.Start();
    }

    /// <summary>Creates a task the test runner runs; <paramref name="thread"/> and <paramref name="deliver"/> say where its results go.</summary>
    public async Task<AgentTask> CreateTaskAsync(Trigger? trigger, TaskPolicies? policies = null, string? slug = null, string? thread = null, params string[] deliver)
    {
        var id = Ids.New("t", Time);
        var task = new AgentTask
        {
            Id = id,
            Slug = slug ?? id.Replace('_', '-'),
            Name = "engine test",
            Instructions = "do the thing",
            Trigger = trigger,
            Agent = new AgentSelection { Provider = "test" },
            Thread = thread is null ? null : ThreadAnchor.Parse(thread, "thread"),
            Deliver = [.. deliver.Select(d => DeliveryTarget.Parse(d, "deliver"))],
            Policies = policies ?? new TaskPolicies(),
            NextFireAt = trigger?.First(Now),
            CreatedAt = Now,
            UpdatedAt = Now,
            Version = 1,
        };
        await Store.Tasks.CreateAsync(task, null, CancellationToken.None);
        return task;
    }

    /// <summary>Queues a manual run of <paramref name="task"/>, due now.</summary>
    public Task<TaskRun> RunNowAsync(AgentTask task) => QueueAsync(task, Now);

    /// <summary>Queues a manual run of <paramref name="task"/>, requested now and due at <paramref name="notBefore"/> (as a retry is).</summary>
    public async Task<TaskRun> QueueAsync(AgentTask task, DateTimeOffset notBefore)
    {
        var id = Ids.New("r", Time);
        var run = new TaskRun
        {
            Id = id,
            TaskId = task.Id,
            Occurrence = "manual:" + id,
            Trigger = RunTrigger.Manual,
            ScheduledFor = Now,
            NotBefore = notBefore,
            Exclusive = task.Policies.Overlap != OverlapPolicy.Allow,
            CreatedAt = Now,
        };
        await Store.Runs.InsertAsync(run, CancellationToken.None);
        return run;
    }

    public Task<int> PlanAsync() => Scheduler.Planner.PlanOnceAsync(CancellationToken.None);

    public Task<int> DispatchAsync() => Scheduler.Dispatcher.DispatchOnceAsync(CancellationToken.None);

    public Task<int> RecoverAsync() => Scheduler.Reaper.RecoverOnceAsync(CancellationToken.None);

    /// <summary>
    /// What another daemon's reaper does when this one froze: recovers every expired lease, including runs this
    /// scheduler's dispatcher still holds (its own reaper leaves those alone). Returns the runs recovered.
    /// </summary>
    public async Task<int> RecoverFromAnotherDaemonAsync()
    {
        var now = Now;
        var recovered = await Store.Runs.RecoverExpiredAsync(
            now, Options.PlanBatch, claimed => CompletionPolicy.Decide(claimed, new AttemptOutcome(RunStatus.Failed, null, "abandoned"), now, Options, new Random(1)), CancellationToken.None);
        return recovered.Count;
    }

    /// <summary>
    /// Runs one of the scheduler's loops (<paramref name="loop"/>, e.g. the dispatcher's) on the fake clock while
    /// <paramref name="test"/> runs; then stops it and cancels any attempt it started.
    /// </summary>
    public async Task WhileLoopRunsAsync(Func<CancellationToken, Task> loop, Func<Task> test)
    {
        using var stop = new CancellationTokenSource();
        var running = System.Threading.Tasks.Task.Run(() => loop(stop.Token));
        try
        {
            await test();
        }
        finally
        {
            await stop.CancelAsync();
            Runner.CancelAll();
            await running;
        }
    }

    /// <summary>Starts the lease keeper's heartbeat loop (it ticks on the fake clock; the scheduler's stop ends it).</summary>
    public void StartHeartbeat() => _heartbeat = System.Threading.Tasks.Task.Run(Scheduler.Leases.RunAsync);

    /// <summary>Waits (for real: the attempts run on the thread pool) until this node runs exactly <paramref name="count"/> attempts.</summary>
    public Task WaitRunningAsync(int count) =>
        Eventually.TrueAsync(() => System.Threading.Tasks.Task.FromResult(Scheduler.RunningCount == count), TimeSpan.FromSeconds(30), $"{count} attempts running");

    public Task WaitIdleAsync() => WaitRunningAsync(0);

    public async Task<TaskRun> RunAsync(string runId) =>
        await Store.Runs.FindAsync(runId, CancellationToken.None) ?? throw new InvalidOperationException($"run {runId} is missing");

    public async Task<AgentTask> TaskAsync(string taskId) =>
        await Store.Tasks.FindAsync(taskId, CancellationToken.None) ?? throw new InvalidOperationException($"task {taskId} is missing");

    public async Task<List<TaskRun>> RunsAsync(string taskId) =>
        [.. (await Store.Runs.ListAsync(new RunQuery(taskId, Limit: 1000), CancellationToken.None)).Items.OrderBy(r => r.ScheduledFor).ThenBy(r => r.Id, StringComparer.Ordinal)];

    public async Task<List<RunLogEvent>> LogAsync(string runId) =>
        [.. await Store.Logs.ReadAsync(runId, 0, 10_000, CancellationToken.None)];

    /// <summary>A store on this harness's database file and a scheduler on it (its loops not started).</summary>
    private (SqliteStore Store, Scheduler Scheduler) Open()
    {
        var store = new SqliteStore(_directory.File("agentcron.db"), Time);
        var engineStore = _storeRoundTrip > TimeSpan.Zero || _interceptRuns is not null ? InterceptedRunStore.Wrap(store, Time, _storeRoundTrip, _interceptRuns) : store;
        var scheduler = new Scheduler(engineStore, new RunnerRegistry([Runner], "test"), new ProcessGroupOrphanKiller(), Options, new RunEnvironment("http://127.0.0.1:7433", _directory.Path, TestSandbox.None), Deliveries, Time, NullLogger<Scheduler>.Instance);
        return (store, scheduler);
    }

    public async ValueTask DisposeAsync()
    {
        // Nothing may still run when the scheduler stops: its shutdown grace would wait on the fake clock.
        Runner.CancelAll();
        await WaitIdleAsync();
        await Scheduler.DisposeAsync();
        await _heartbeat;
        await Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}

/// <summary>
/// The agent of the engine tests. By default each attempt waits until the test finishes it (or its token fires);
/// <see cref="Script"/> makes attempts answer at once instead.
/// </summary>
internal sealed class TestRunner : IAgentRunner
{
    private readonly Channel<Attempt> _started = Channel.CreateUnbounded<Attempt>();
    private readonly ConcurrentDictionary<Attempt, byte> _live = new();
    private int _calls;

    public string Provider => "test";

    public IReadOnlyList<string> Aliases => [];

    /// <summary>When set, an attempt returns this at once (its argument is the 1-based call number).</summary>
    public Func<int, RunnerResult>? Script { get; set; }

    /// <summary>When set, what every attempt writes to its log before it answers, as an agent's output.</summary>
    public Action<IRunLogWriter>? Output { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public Task<AgentInfo> DescribeAsync(CancellationToken cancellationToken) => Task.FromResult(new AgentInfo(true, null, null, "in-process stand-in"));

    public void Validate(AgentSelection agent)
    {
    }

    public async Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        log.Write("stdout", new { text = $"call {call}, attempt {request.Run.Attempt}" });
        Output?.Invoke(log);
        if (Script is { } script)
        {
            return script(call);
        }

        var attempt = new Attempt(request, cancellationToken);
        _live[attempt] = 0;
        _started.Writer.TryWrite(attempt);
        try
        {
            return await attempt.Result.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _live.TryRemove(attempt, out _);
            attempt.Ended.TrySetResult();
        }
    }

    /// <summary>The next attempt that started (waits for real, briefly, since attempts start on the thread pool).</summary>
    public async Task<Attempt> NextStartedAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _started.Reader.ReadAsync(timeout.Token);
    }

    public void CancelAll()
    {
        foreach (var attempt in _live.Keys)
        {
            attempt.Result.TrySetCanceled();
        }
    }

    internal sealed class Attempt(RunRequest request, CancellationToken token)
    {
        public RunRequest Request { get; } = request;
        public CancellationToken Token { get; } = token;
        public TaskCompletionSource<RunnerResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes once the runner has handed the attempt's outcome (a result, or its cancellation) back to the engine.</summary>
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Succeed(string output = "done") => Result.TrySetResult(new RunnerResult(true, 0, output, null));
    }
}
