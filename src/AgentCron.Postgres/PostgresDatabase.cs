using System.Data.Common;
using AgentCron.Core.Ports;
using AgentCron.Core.Storage;
using Npgsql;

namespace AgentCron.Postgres;

/// <summary>
/// The one place that opens, begins, commits and retries. Connections come from an <see cref="NpgsqlDataSource"/> (the
/// driver's pool); every write is one READ COMMITTED transaction whose row locks (<c>FOR UPDATE … SKIP LOCKED</c> where
/// nodes compete) keep concurrent nodes apart. A transaction the server aborted as a serialization failure or a deadlock,
/// or that lost its connection before COMMIT was sent, rolled back entirely, so it is run again from the start (the work
/// and the policies it calls are pure apart from the transaction); a failure during COMMIT itself is ambiguous and is
/// never retried.
/// </summary>
internal sealed class PostgresDatabase : IStoreDatabase
{
    /// <summary>The channel every store NOTIFYs and every change feed LISTENs on.</summary>
    public const string Channel = "agentcron_changes";

    private const int MaxAttempts = 5;
    private readonly NpgsqlDataSource _source;
    private readonly TimeProvider _time;

    public PostgresDatabase(string connectionString, TimeProvider time)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // The change feed's connection sits in WAIT for hours; keepalives find a dead server or a dropped NAT entry.
        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 30;
        }

        // The store sends the same few dozen statements over and over: prepared once per connection, the server parses
        // and plans each once instead of on every call (a third more runs per second in the cluster benchmark).
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        // The change feed's session LISTENs for as long as it lives; it is never pooled, so no pooled connection carries
        // a LISTEN to the next user.
        Listener = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false });

        // Every transaction's state is its own (SET LOCAL, transaction-level advisory locks), so a pooled connection
        // needs no reset on its way back: the reset is three statements the server runs before the next use, and a run
        // uses a connection at least twice.
        builder.NoResetOnClose = true;
        _source = NpgsqlDataSource.Create(builder);
        _time = time;
    }

    /// <summary>Identifies this store instance in its notifications, so its own feed does not wake for its own writes.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Unpooled connections, for the change feed's long-lived LISTEN session.</summary>
    public NpgsqlDataSource Listener { get; }

    /// <summary>Runs <paramref name="work"/> in one transaction and commits it; retried from the start when the server aborted it.</summary>
    public async Task<T> WriteAsync<T>(Func<StoreWrite, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var committing = false;
            try
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var write = new StoreWrite(connection);
                var result = await work(write, cancellationToken);
                if (write.WakesOtherNodes)
                {
                    // Delivered by the server when (and only if) the transaction commits.
                    await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @instance)", connection);
                    notify.Parameters.AddWithValue("channel", Channel);
                    notify.Parameters.AddWithValue("instance", InstanceId);
                    await notify.ExecuteNonQueryAsync(cancellationToken);
                }

                committing = true;
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (NpgsqlException ex) when (attempt < MaxAttempts && IsRetryable(ex, committing))
            {
                await Task.Delay(TimeSpan.FromMilliseconds((10 << attempt) + Random.Shared.Next(10)), _time, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DiskFull)
            {
                throw new StoreFullException(ex);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled connection, outside any explicit transaction.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        return await work(connection, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Listener.DisposeAsync();
        await _source.DisposeAsync();
    }

    private static bool IsRetryable(NpgsqlException ex, bool committing) => ex switch
    {
        // The server says it rolled the transaction back: safe to run it again, even when COMMIT reported it.
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        // A broken connection before COMMIT was sent: the server rolls back. During COMMIT: it may have committed.
        _ => ex.IsTransient && !committing,
    };
}
