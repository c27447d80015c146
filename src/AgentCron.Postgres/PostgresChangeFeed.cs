using AgentCron.Core.Ports;
using Npgsql;

namespace AgentCron.Postgres;

/// <summary>
/// Wakes the engine when another node commits due work: the stores <c>pg_notify</c> inside the transactions that make
/// work due, and this feed LISTENs on one dedicated connection, waiting in the driver (<c>WaitAsync</c>) without polling.
/// It ignores its own store's notifications (the engine already knows what it wrote). When the connection is lost it
/// reconnects after a pause and then reports a change, since notifications sent while it was away are gone.
/// </summary>
internal sealed class PostgresChangeFeed(PostgresDatabase db, TimeProvider time) : IStoreChangeFeed, IAsyncDisposable
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSource();
    private TaskCompletionSource? _listening;
    private Task? _listener;

    public async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource changed;
        Task listening;
        lock (_gate)
        {
            if (_listener is null)
            {
                _listening = NewSource();
                _listener = Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None);
            }

            changed = _changed;
            listening = _listening!.Task;
        }

        // The first wait returns only once LISTEN is in place, so a commit after it is never missed.
        await listening.WaitAsync(cancellationToken);
        await changed.Task.WaitAsync(cancellationToken);
        lock (_gate)
        {
            // Consumed: the next wait waits for the next change. A change during the caller's work lands in the new source.
            if (ReferenceEquals(_changed, changed))
            {
                _changed = NewSource();
            }
        }
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        var connected = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.Listener.OpenConnectionAsync(stop);
                connection.Notification += (_, e) =>
                {
                    if (!string.Equals(e.Payload, db.InstanceId, StringComparison.Ordinal))
                    {
                        Signal();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresDatabase.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }

                if (connected)
                {
                    Signal(); // Reconnected: whatever was notified meanwhile is lost, so look again.
                }

                connected = true;
                _listening!.TrySetResult();
                while (true)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                // The server went away or restarted (or anything else broke the session): the loop must outlive it, and
                // the engine's timed wake-ups cover the gap.
                await Task.Delay(ReconnectDelay, time, stop).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
    }

    private void Signal()
    {
        lock (_gate)
        {
            _changed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener is not null)
        {
            await _listener;
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
