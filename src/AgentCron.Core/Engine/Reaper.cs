using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Recovers runs whose lease expired because their daemon died: kills the orphaned agent process if it ran on this
/// host, then re-queues the run as a new attempt or fails it, per its retry policy. Sleeps until the next lease expiry.
/// A run this daemon's own dispatcher still holds (running, or its result waiting to be written) is never recovered
/// here: an expired lease on it means this daemon's heartbeat failed, not that it died. <paramref name="runsRecovered"/> is
/// called after a pass that re-queued or ended runs.
/// </summary>
public sealed class Reaper(
    IAgentCronStore store, SchedulerOptions options, TimeProvider time, ILogger logger, EngineHealth health, RunningAttempts attempts, IOrphanKiller orphans, DeliveryPolicy deliveries, Action runsRecovered)
{
    /// <summary>How soon to look again at an expired lease that its owner's transaction still holds.</summary>
    private static readonly TimeSpan LockedLeaseRetry = TimeSpan.FromMilliseconds(100);

    private readonly WakeSignal _wake = new();
    private readonly Random _random = new();

    public void Wake() => _wake.Set();

    /// <summary>One recovery pass. Returns the runs recovered.</summary>
    public async Task<int> RecoverOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (await store.Runs.NextLeaseExpiryAsync(cancellationToken) is not { } expiry || expiry >= now)
        {
            return 0;
        }

        var recovered = await store.Runs.RecoverExpiredAsync(now, options.PlanBatch, claimed =>
        {
            if (claimed.Run.LeaseOwner == options.NodeId && attempts.Holds(claimed.Run.Id))
            {
                return null;
            }

            var error = $"attempt {claimed.Run.Attempt} was abandoned: its daemon ({claimed.Run.LeaseOwner}) stopped heartbeating and the lease expired at {claimed.Run.LeaseExpiresAt:O}";
            // A run someone cancelled is not retried just because its daemon died before it could obey.
            var outcome = claimed.Run.CancelRequested
                ? new AttemptOutcome(Model.RunStatus.Cancelled, null, "cancelled; " + error)
                : new AttemptOutcome(Model.RunStatus.Failed, null, error);
            var decided = deliveries.Add(CompletionPolicy.Decide(claimed, outcome, now, options, _random), claimed.Task);
            return decided with { Log = [CompletionPolicy.AbandonedEntry(claimed.Run, decided.Run, now)] };
        }, cancellationToken);

        foreach (var run in recovered)
        {
            if (run is { Pid: { } pid, PidIdentity: { } identity } && string.Equals(run.Host, Environment.MachineName, StringComparison.Ordinal) && orphans.KillIfSame(pid, identity))
            {
                logger.LogWarning("Killed orphaned agent process group {Pid} of run {RunId} attempt {Attempt}", pid, run.Id, run.Attempt);
            }

            logger.LogWarning("Recovered run {RunId} attempt {Attempt} of task {TaskId} from {Owner}", run.Id, run.Attempt, run.TaskId, run.LeaseOwner);
        }

        if (recovered.Count > 0)
        {
            runsRecovered();
        }

        return recovered.Count;
    }

    public Task RunAsync(CancellationToken cancellationToken) => EngineLoop.RunAsync(
        "reaper",
        _wake,
        async token =>
        {
            var recovered = await RecoverOnceAsync(token);
            // A little after the expiry, so the owner's heartbeat, if it is alive, wins the race.
            var expiry = await store.Runs.NextLeaseExpiryAsync(token);
            var wait = EngineLoop.Until(expiry + TimeSpan.FromMilliseconds(50), time, options.MaxIdle);
            // An expired lease the pass left alone (less than a full batch recovered) is held by its owner's open
            // transaction: it is completing or renewing the run right now, or froze in the middle. Look again shortly,
            // instead of asking the store over and over for as long as the owner holds it.
            return wait <= TimeSpan.Zero && recovered < options.PlanBatch ? LockedLeaseRetry : wait;
        },
        TimeSpan.FromSeconds(1),
        time,
        health,
        logger,
        cancellationToken);
}
