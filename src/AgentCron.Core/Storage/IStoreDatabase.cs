using System.Data.Common;

namespace AgentCron.Core.Storage;

/// <summary>
/// The one place that opens, begins, commits, rolls back and retries, for one database. The store flows hand it their
/// work: a read gets a connection, a write gets a connection inside a transaction that is durable when the returned task
/// completes. A write's work may be run more than once (a transaction the server aborted is run again from the start),
/// so it must not act outside the transaction.
/// </summary>
public interface IStoreDatabase : IAsyncDisposable
{
    Task<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken);

    Task<T> WriteAsync<T>(Func<StoreWrite, CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>A write transaction in progress: its connection, and whether its commit should wake the other nodes.</summary>
public sealed class StoreWrite(DbConnection connection)
{
    public DbConnection Connection { get; } = connection;

    public bool WakesOtherNodes { get; private set; }

    /// <summary>
    /// Marks this transaction as one that makes work due for another process (a task scheduled or moved, a run queued or
    /// unblocked): a database that can tell other processes at commit (PostgreSQL's NOTIFY) does.
    /// </summary>
    public void WakeOtherNodes() => WakesOtherNodes = true;
}
