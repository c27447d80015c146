using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>Deletes finished runs and their logs by age and by count per task, in bounded batches, once per interval.</summary>
public sealed class RetentionSweeper(IAgentCronStore store, SchedulerOptions options, TimeProvider time, ILogger logger, EngineHealth health)
{
    /// <summary>Prunes until nothing is left to prune. Returns how many runs were deleted.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await store.Runs.PruneAsync(time.GetUtcNow() - options.RetentionMaxAge, options.RetentionKeepPerTask, options.RetentionBatch, cancellationToken);
            total += deleted;
        }
        while (deleted >= options.RetentionBatch && !cancellationToken.IsCancellationRequested);

        if (total > 0)
        {
            logger.LogInformation("Retention deleted {Runs} finished runs", total);
        }

        return total;
    }

    /// <summary>Sweeps once per <see cref="SchedulerOptions.RetentionInterval"/>; nothing wakes it early.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => EngineLoop.RunAsync(
        "retention",
        new WakeSignal(),
        async token =>
        {
            await SweepOnceAsync(token);
            return options.RetentionInterval;
        },
        TimeSpan.FromMinutes(1),
        time,
        health,
        logger,
        cancellationToken);
}
