namespace AgentCron.Core.Engine;

/// <summary>
/// An auto-reset signal a loop sleeps on: <see cref="WaitAsync"/> returns when <see cref="Set"/> is called or the timeout
/// passes on the engine's <see cref="TimeProvider"/>. A <see cref="Set"/> during the loop's work is remembered, so a
/// change is never missed between two waits.
/// </summary>
public sealed class WakeSignal
{
    private TaskCompletionSource _signal = NewSource();

    public void Set() => Volatile.Read(ref _signal).TrySetResult();

    /// <summary>Waits for a signal or for <paramref name="timeout"/>; returns true when signalled.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _signal);
        if (!signal.Task.IsCompleted && timeout > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, time, stop.Token);
            await Task.WhenAny(signal.Task, delay);
            await stop.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (!signal.Task.IsCompleted)
        {
            return false;
        }

        Interlocked.CompareExchange(ref _signal, NewSource(), signal);
        return true;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
