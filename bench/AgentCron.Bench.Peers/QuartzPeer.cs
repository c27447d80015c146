using System.Reflection;
using Quartz;

namespace AgentCron.Bench.Peers;

/// <summary>
/// Quartz.NET with its ADO.NET job store (SQLite through Microsoft.Data.Sqlite, or PostgreSQL through Npgsql), schema
/// created by the store itself (<c>ProvisionSchema</c>, i.e. <c>quartz.jobStore.schemaProvisioning = CreateIfMissing</c>),
/// not clustered. A job is one job detail plus one simple trigger starting at its due time, as a "do this later"
/// follow-up is one task with one one-time trigger. Best: a pool of 32 (the batch of triggers acquired per round
/// follows the pool's size in 4.x).
/// </summary>
internal sealed class QuartzPeer(PeerArgs args) : IPeer
{
    private const int BestPool = 32;
    private IScheduler? _scheduler;

    public string Product => "Quartz.NET";
    public string Version => VersionOf(typeof(IScheduler).Assembly);

    public IReadOnlyDictionary<string, object> Settings => new Dictionary<string, object>(StringComparer.Ordinal)
    {
        ["threadPool.maxConcurrency"] = args.Best ? BestPool : ThreadPoolOptions.DefaultMaxConcurrency,
        ["maxBatchSize"] = "0 (automatic: the pool's size)",
        ["clustered"] = false,
    };

    private IScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("PrepareAsync first");

    public async Task PrepareAsync(CancellationToken ct)
    {
        // The store creates its tables when a scheduler starts; one started and shut down here leaves them for the
        // measured scheduler, which then starts in the workload's measured phase.
        var provisioning = await BuildAsync(ct);
        await provisioning.Start(ct);
        await provisioning.Shutdown(waitForJobsToComplete: true, ct);
        _scheduler = await BuildAsync(ct);
    }

    public Task AddAsync(IReadOnlyList<PeerJob> jobs, CancellationToken ct)
    {
        var schedule = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>();
        foreach (var job in jobs)
        {
            var detail = JobBuilder.Create<QuartzNoopJob>().WithIdentity(job.Id).Build();
            schedule[detail] = [TriggerBuilder.Create().WithIdentity(job.Id).ForJob(detail).StartAt(job.Due).Build()];
        }

        return Scheduler.ScheduleJobs(schedule, default, ct).AsTask();
    }

    public Task StartAsync(CancellationToken ct) => Scheduler.Start(ct).AsTask();

    public Task StopAsync(CancellationToken ct) => Scheduler.Shutdown(waitForJobsToComplete: true, ct).AsTask();

    public async ValueTask DisposeAsync()
    {
        if (_scheduler is { Status: not SchedulerStatus.Shutdown })
        {
            await _scheduler.Shutdown(waitForJobsToComplete: false);
        }
    }

    private ValueTask<IScheduler> BuildAsync(CancellationToken ct) => QuartzSchedulerBuilder.Create(quartz =>
    {
        quartz.UsePersistentStore(store =>
        {
            if (args.Database == "sqlite")
            {
                store.UseSqlite(args.Connection);
            }
            else
            {
                store.UsePostgres(args.Connection);
            }

            store.ProvisionSchema();
        });
        if (args.Best)
        {
            quartz.UseDefaultThreadPool(BestPool);
        }
    }).BuildScheduler(ct);

    internal static string VersionOf(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version
            ?? assembly.GetName().Version?.ToString(3)
            ?? "?";
        return version.Split('+')[0];
    }
}

/// <summary>The no-op job: reports to the probe under its trigger's name, against the time it was due.</summary>
public sealed class QuartzNoopJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        Probe.Ran(context.Trigger.Key.Name, context.ScheduledFireTimeUtc ?? context.FireTimeUtc);
        return ValueTask.CompletedTask;
    }
}
