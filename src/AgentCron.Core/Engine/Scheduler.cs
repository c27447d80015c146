using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// The engine: a planner, a dispatcher, a lease keeper, a reaper, a retention sweeper and the outbox sender, each a loop that sleeps until
/// its next known due instant and is woken early by <see cref="Wake"/> (and by the store's change feed where it has one).
/// <see cref="StopAsync"/> first stops taking new work, then gives running agents <see cref="SchedulerOptions.ShutdownGrace"/>,
/// then kills them and hands their runs back to the queue. The rest of the daemon sees it through <see cref="IEngine"/>.
/// </summary>
public sealed class Scheduler : IEngine, IAsyncDisposable
{
    private readonly IAgentCronStore _store;
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    public Scheduler(
        IAgentCronStore store,
        RunnerRegistry runners,
        IOrphanKiller orphans,
        SchedulerOptions options,
        RunEnvironment environment,
        DeliveryPolicy deliveries,
        TimeProvider time,
        ILogger<Scheduler> logger)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        Health = new EngineHealth(time);
        Attempts = new RunningAttempts();
        Leases = new LeaseKeeper(store, Attempts, options, time, logger, Health);
        Deliveries = new DeliverySender(store, deliveries, options, time, logger, Health);
        Results = new ResultWriter(store, options, time, logger, Health);
        var executor = new AttemptExecutor(store, runners, options, environment, time, logger, new RunLogFlusher(store.Logs, time, logger), Results, deliveries, Deliveries.Wake);
        Dispatcher = new Dispatcher(store, Attempts, executor, Results, options, time, logger, Health);
        Planner = new Planner(store, options, time, logger, Health, () =>
        {
            Dispatcher.Wake();
            // A plan may flag running runs for cancelling (overlap: replace): act on it now, not at the next heartbeat.
            Leases.HeartbeatNow();
        });
        Reaper = new Reaper(store, options, time, logger, Health, Attempts, orphans, deliveries, () =>
        {
            Dispatcher.Wake();
            Deliveries.Wake();
        });
        Retention = new RetentionSweeper(store, options, time, logger, Health);
        Node = new NodeBeacon(store, options, time, logger, Health);
    }

    internal RunningAttempts Attempts { get; }
    internal Planner Planner { get; }
    internal Dispatcher Dispatcher { get; }
    internal LeaseKeeper Leases { get; }
    internal ResultWriter Results { get; }
    internal Reaper Reaper { get; }
    internal RetentionSweeper Retention { get; }
    internal NodeBeacon Node { get; }
    internal DeliverySender Deliveries { get; }
    public EngineHealth Health { get; }
    public SchedulerOptions Options => _options;
    public int RunningCount => Attempts.Count;

    public void Start()
    {
        var token = _stopping.Token;
        _loops.Add(Task.Run(() => Planner.RunAsync(token), CancellationToken.None));
        _loops.Add(Task.Run(() => Dispatcher.RunAsync(token), CancellationToken.None));
        _loops.Add(Task.Run(Leases.RunAsync, CancellationToken.None));
        _loops.Add(Task.Run(() => Reaper.RunAsync(token), CancellationToken.None));
        _loops.Add(Task.Run(() => Retention.RunAsync(token), CancellationToken.None));
        _loops.Add(Task.Run(() => Node.RunAsync(token), CancellationToken.None));
        _loops.Add(Task.Run(() => Deliveries.RunAsync(token), CancellationToken.None));
        if (_store.Changes is { } changes)
        {
            _loops.Add(Task.Run(() => WatchChangesAsync(changes, token), CancellationToken.None));
        }

        _logger.LogInformation("Scheduler {NodeId} started (max {MaxConcurrentRuns} concurrent runs, lease {Lease})", _options.NodeId, _options.MaxConcurrentRuns, _options.Lease);
    }

    /// <summary>Something changed (a task was created or updated, a run was queued or cancelled): look again now.</summary>
    public void Wake()
    {
        Planner.Wake();
        Dispatcher.Wake();
        Reaper.Wake();
        Deliveries.Wake();
    }

    public bool StopRun(string runId)
    {
        if (Attempts.Cancel(runId))
        {
            return true;
        }

        Leases.HeartbeatNow();
        return false;
    }

    /// <summary>Stops taking new work, waits up to the grace period for running agents, then kills and re-queues the rest.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await Dispatcher.DrainAsync(_options.ShutdownGrace, cancellationToken);
        await Leases.StopAsync();
        await Task.WhenAll(_loops.Select(l => l.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)));
        await Deliveries.DrainAsync();
        await Node.StopAsync(cancellationToken);
        if (_loops.Count > 0)
        {
            _logger.LogInformation("Scheduler {NodeId} stopped", _options.NodeId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        Dispatcher.Dispose();
        Leases.Dispose();
        Results.Dispose();
        _stopping.Dispose();
    }

    private async Task WatchChangesAsync(IStoreChangeFeed changes, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await changes.WaitForChangeAsync(cancellationToken);
                Wake();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Health.Failed("changes", ex);
                _logger.LogWarning(ex, "Change feed failed; relying on timed wake-ups");
                await Task.Delay(_options.MaxIdle, _time, cancellationToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
    }
}
