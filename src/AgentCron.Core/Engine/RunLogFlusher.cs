using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Moves a running attempt's log entries from its <see cref="RunLogWriter"/> to the store five times a second, so
/// followers see them while the agent works. Entries the store refuses are kept for the next flush or, at the latest, the
/// write of the attempt's result.
/// </summary>
public sealed class RunLogFlusher(IRunLogStore logs, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Flushes until <paramref name="cancellationToken"/> fires; entries drained by then reach the store.</summary>
    public async Task RunAsync(RunLogWriter log, CancellationToken cancellationToken)
    {
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<NewRunLogEvent> entries = [];
            try
            {
                await Task.Delay(Interval, time, cancellationToken);
                entries = log.Drain();
                if (entries.Count > 0)
                {
                    // Drained entries must reach the store even if the attempt ends meanwhile.
                    await logs.AppendAsync(log.RunId, entries, CancellationToken.None);
                    failing = false;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Said once per streak, not five times a second.
                log.PutBack(entries);
                if (!failing)
                {
                    logger.LogWarning(ex, "Could not append to the log of run {RunId}; its entries are kept and written later", log.RunId);
                }

                failing = true;
            }
        }
    }
}
