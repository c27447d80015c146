using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Writes an attempt's result with its last log entries in one fenced transaction. If the store refuses it (a full disk,
/// a database that is away), the result is kept and written again, with growing pauses, until the store takes it;
/// meanwhile its run stays held (<see cref="RunningAttempts"/>), so its lease is renewed and this daemon's reaper leaves
/// it alone, and health says why it is degraded. Only a stopping daemon gives up (<see cref="GiveUpAsync"/>), after its
/// shutdown grace: the run is then recovered when its lease runs out.
/// </summary>
public sealed class ResultWriter(IAgentCronStore store, SchedulerOptions options, TimeProvider time, ILogger logger, EngineHealth health) : IDisposable
{
    /// <summary>Pauses between tries to write a result the store refused: from 1 s, doubling, at most 30 s.</summary>
    private static readonly TimeSpan RetryBase = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _giveUp = new();

    public async Task WriteAsync(TaskRun run, IReadOnlyList<NewRunLogEvent> logTail, Func<ClaimedRun, Completion> decide)
    {
        var problem = "result:" + run.Id;
        for (var failures = 0; ; failures++)
        {
            try
            {
                if (!await store.Runs.CompleteAsync(run.Id, run.Attempt, options.NodeId, decide, logTail, CancellationToken.None))
                {
                    if (failures == 0)
                    {
                        logger.LogWarning("Run {RunId} attempt {Attempt} no longer holds its lease; its result is dropped", run.Id, run.Attempt);
                    }
                    else
                    {
                        // One of the failed tries may have committed after all (PostgreSQL: the answer to COMMIT lost).
                        logger.LogWarning("Run {RunId} attempt {Attempt} no longer holds its lease: it was taken over, or an earlier try wrote the result after all; nothing more is written", run.Id, run.Attempt);
                    }
                }
                else if (failures > 0)
                {
                    logger.LogInformation("The result of run {RunId} attempt {Attempt} was written after {Failures} failed tries", run.Id, run.Attempt, failures);
                }

                health.Resolve(problem);
                return;
            }
            catch (Exception ex) when (_giveUp.IsCancellationRequested)
            {
                health.Resolve(problem);
                logger.LogError(ex, "The daemon is stopping and the result of run {RunId} attempt {Attempt} still cannot be written; it is lost, and the run will be recovered when its lease expires", run.Id, run.Attempt);
                return;
            }
            catch (Exception ex)
            {
                health.Report(problem, $"the result of run {run.Id} could not be written: {ex.Message.TrimEnd('.')}; retrying");
                var pause = Backoff.Delay(failures + 1, RetryBase, RetryMax, Random.Shared);
                if (failures == 0)
                {
                    logger.LogError(ex, "Could not write the result of run {RunId} attempt {Attempt}; it is kept and written again until the store takes it", run.Id, run.Attempt);
                }
                else
                {
                    logger.LogWarning("Still cannot write the result of run {RunId} attempt {Attempt} ({Failures} tries): {Error}; next try in {Pause}", run.Id, run.Attempt, failures + 1, ex.Message, pause);
                }

                try
                {
                    await Task.Delay(pause, time, _giveUp.Token);
                }
                catch (OperationCanceledException)
                {
                    // The shutdown grace is over: one last try.
                }
            }
        }
    }

    /// <summary>The shutdown grace is over: each result not yet written gets one last try, then is let go.</summary>
    public Task GiveUpAsync() => _giveUp.CancelAsync();

    public void Dispose() => _giveUp.Dispose();
}
