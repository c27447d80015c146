using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Turns due tasks into runs. Each pass claims due tasks in batches and, in one transaction per batch, inserts their runs
/// (the store's unique occurrence key makes this exactly-once across processes) and advances their next fire time;
/// then it sleeps until the earliest next fire time or until woken. <paramref name="runsPlanned"/> is called after a
/// batch that queued runs.
/// </summary>
public sealed class Planner(IAgentCronStore store, SchedulerOptions options, TimeProvider time, ILogger logger, EngineHealth health, Action runsPlanned)
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
                runsPlanned();
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

    public Task RunAsync(CancellationToken cancellationToken) => EngineLoop.RunAsync(
        "planner",
        _wake,
        async token =>
        {
            await PlanOnceAsync(token);
            return EngineLoop.Until(await store.Tasks.NextFireAtAsync(token), time, options.MaxIdle);
        },
        TimeSpan.FromSeconds(1),
        time,
        health,
        logger,
        cancellationToken);
}
