using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Turns due tasks into runs. Each pass claims due tasks in batches and, in one transaction per batch, inserts their runs
/// (the store's unique occurrence key makes this exactly-once across processes) and advances their next fire time;
/// then it sleeps until the earliest next fire time or until woken.
/// </summary>
public sealed class Planner(IAgentCronStore store, SchedulerOptions options, TimeProvider time, ILogger logger, EngineHealth health, Dispatcher dispatcher)
{
    private readonly WakeSignal _wake = new();
    private readonly Random _random = new();

    public void Wake() => _wake.Set();

    /// <summary>One planning pass over everything due now. Returns the runs inserted.</summary>
    public async Task<int> PlanOnceAsync(CancellationToken cancellationToken)
    {
        var inserted = 0;
        while (true)
        {
            // A read first: most wake-ups (another process's commit, our own) find nothing due and cost no transaction.
            var now = time.GetUtcNow();
            if (await store.Tasks.NextFireAtAsync(cancellationToken) is not { } next || next > now)
            {
                return inserted;
            }

            var result = await store.Tasks.PlanDueAsync(now, options.PlanBatch, input => Decide(input, now), cancellationToken);
            inserted += result.Runs;
            if (result.Runs > 0)
            {
                dispatcher.Wake();
                dispatcher.HeartbeatNow();
            }

            if (result.Tasks < options.PlanBatch)
            {
                return inserted;
            }
        }
    }

    /// <summary>
    /// The policy's decision, or — if a task's schedule cannot be computed at all — a pause with the reason, so that one
    /// broken task never blocks the planning of the others.
    /// </summary>
    private PlanDecision Decide(PlanInput input, DateTimeOffset now)
    {
        try
        {
            return PlanningPolicy.Decide(input, now, options, _random, time);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Could not plan task {TaskId}; pausing it", input.Task.Id);
            return new PlanDecision([], null, Model.TaskState.Paused, StatusReason: $"paused automatically: its next run could not be computed ({ex.Message})");
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = options.MaxIdle;
            try
            {
                await PlanOnceAsync(cancellationToken);
                if (await store.Tasks.NextFireAtAsync(cancellationToken) is { } next)
                {
                    wait = Min(next - time.GetUtcNow(), options.MaxIdle);
                }

                health.Succeeded("planner");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                health.Failed("planner", ex);
                logger.LogError(ex, "Planning failed; retrying in {Delay}", TimeSpan.FromSeconds(1));
                wait = TimeSpan.FromSeconds(1);
            }

            await WaitAsync(_wake, wait, time, cancellationToken);
        }
    }

    internal static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Sleeps on a signal; returns quietly when the loop is being stopped.</summary>
    internal static async Task WaitAsync(WakeSignal signal, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await signal.WaitAsync(wait, time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the loop condition ends the loop.
        }
    }
}
