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

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(cancellationToken);
                health.Succeeded("retention");
                await Task.Delay(options.RetentionInterval, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                health.Failed("retention", ex);
                logger.LogError(ex, "Retention sweep failed");
                await Planner.WaitAsync(new WakeSignal(), TimeSpan.FromMinutes(1), time, cancellationToken);
            }
        }
    }
}
