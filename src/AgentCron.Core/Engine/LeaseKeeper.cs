using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Renews the leases of this daemon's attempts every third of the lease, and stops an attempt whose run was cancelled (a
/// flag any daemon may set) or whose lease was lost. Runs on while a stopping daemon drains, so the leases of agents still
/// ending stay its own; <see cref="StopAsync"/> ends it after the drain.
/// </summary>
public sealed class LeaseKeeper(IAgentCronStore store, RunningAttempts attempts, SchedulerOptions options, TimeProvider time, ILogger logger, EngineHealth health) : IDisposable
{
    private readonly WakeSignal _now = new();
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Renew at once rather than at the next third of the lease (a cancel flag set, runs planned).</summary>
    public void HeartbeatNow() => _now.Set();

    public async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            await EngineLoop.WaitAsync(_now, options.Lease / 3, time, token);
            if (token.IsCancellationRequested)
            {
                continue;
            }

            if (attempts.IsEmpty)
            {
                // Nothing to renew is a pass that did not fail: a heartbeat that failed for the last run held must not
                // leave health degraded until the next run starts.
                health.Succeeded("heartbeat");
                continue;
            }

            try
            {
                await RenewAsync(token);
                health.Succeeded("heartbeat");
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                health.Failed("heartbeat", ex);
                logger.LogError(ex, "Heartbeat failed");
            }
        }
    }

    public Task StopAsync() => _stop.CancelAsync();

    public void Dispose() => _stop.Dispose();

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        // Only attempts claimed before the renewal can be judged by its answer: one claimed meanwhile is not in it.
        var held = attempts.All;
        var renewed = (await store.Runs.RenewLeasesAsync(options.NodeId, [.. held.Select(a => a.RunId)], time.GetUtcNow() + options.Lease, cancellationToken))
            .ToDictionary(s => s.RunId);
        foreach (var attempt in held)
        {
            if (!renewed.TryGetValue(attempt.RunId, out var state))
            {
                if (!attempt.Finishing)
                {
                    attempt.Stop(StopReason.LeaseLost);
                }
            }
            else if (state.CancelRequested)
            {
                attempt.Stop(StopReason.Cancelled);
            }
        }
    }
}
