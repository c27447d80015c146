using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// The shape every engine loop shares: run a pass, sleep as long as the pass says or until woken, and keep going
/// through failures (recorded in <see cref="EngineHealth"/> and logged) until the engine stops.
/// </summary>
internal static class EngineLoop
{
    /// <param name="name">The loop's name in health and logs.</param>
    /// <param name="wake">Wakes the loop before its sleep is over.</param>
    /// <param name="pass">One pass; returns how long to sleep before the next (zero or less: go again at once).</param>
    /// <param name="afterFailure">How long to wait after a failed pass.</param>
    /// <param name="time">The clock every sleep runs on.</param>
    /// <param name="health">Where each pass's success or failure is recorded.</param>
    /// <param name="logger">Where failures are logged.</param>
    /// <param name="cancellationToken">Ends the loop.</param>
    public static async Task RunAsync(
        string name,
        WakeSignal wake,
        Func<CancellationToken, Task<TimeSpan>> pass,
        TimeSpan afterFailure,
        TimeProvider time,
        EngineHealth health,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await pass(cancellationToken);
                health.Succeeded(name);
                failing = false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                health.Failed(name, ex);
                // The stack once per streak: a store that fails for minutes (a full disk) must not flood the log.
                if (failing)
                {
                    logger.LogWarning("The {Loop} pass failed again: {Error}; trying again in {Delay}", name, ex.Message, afterFailure);
                }
                else
                {
                    logger.LogError(ex, "The {Loop} pass failed; trying again in {Delay}", name, afterFailure);
                }

                failing = true;
                wait = afterFailure;
            }

            await WaitAsync(wake, wait, time, cancellationToken);
        }
    }

    /// <summary>
    /// The sleep until <paramref name="next"/>, rounded up to whole milliseconds (timers are no finer, and waking a
    /// fraction early would only mean another pass that finds nothing due), at most <paramref name="max"/>.
    /// </summary>
    public static TimeSpan Until(DateTimeOffset? next, TimeProvider time, TimeSpan max)
    {
        if (next is not { } due)
        {
            return max;
        }

        var ticks = (due - time.GetUtcNow()).Ticks;
        var wait = TimeSpan.FromTicks((ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond);
        return wait < max ? wait : max;
    }

    /// <summary>Sleeps on a signal; returns quietly when the loop is being stopped.</summary>
    public static async Task WaitAsync(WakeSignal signal, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
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
