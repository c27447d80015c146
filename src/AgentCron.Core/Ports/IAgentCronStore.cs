using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

/// <summary>
/// The durable state of AgentCron, shaped by role. An implementation must make every method atomic and durable before it
/// returns, and must be safe when several daemons share one database: claims, leases and the unique occurrence key are
/// enforced by the database, never by memory.
/// </summary>
public interface IAgentCronStore : IAsyncDisposable
{
    ITaskStore Tasks { get; }
    IRunStore Runs { get; }
    IRunLogStore Logs { get; }
    IThreadStore Threads { get; }

    /// <summary>The outbox of results and alerts.</summary>
    IDeliveryStore Deliveries { get; }

    /// <summary>The daemons working on this store.</summary>
    INodeStore Nodes { get; }

    /// <summary>Wakes the engine when another process changed due work, where the database can tell; null otherwise.</summary>
    IStoreChangeFeed? Changes { get; }

    /// <summary>Creates or upgrades the schema. Safe to call from several processes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);
}

/// <summary>Signals that another process committed a change the engine may care about.</summary>
public interface IStoreChangeFeed
{
    /// <summary>Completes when a change by another connection is seen (or the token is cancelled).</summary>
    Task WaitForChangeAsync(CancellationToken cancellationToken);
}

/// <summary>A page of results and the cursor for the next page (null at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Keyset pagination as the stores do it: they fetch one row more than asked, so the extra row tells that a next page
/// exists without a count; the cursor is the key of the last row returned.
/// </summary>
public static class Paging
{
    /// <summary>The first <paramref name="limit"/> of <paramref name="rows"/> (at most <paramref name="limit"/> + 1 fetched).</summary>
    public static Page<T> Page<T>(List<T> rows, int limit, Func<T, string> key) =>
        rows.Count > limit ? new Page<T>(rows[..limit], key(rows[limit - 1])) : new Page<T>(rows, null);
}

/// <summary>Thrown when a write conflicts with current state: a unique key, a stale version or an illegal transition.</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>Thrown when the caller may not do this (a run's token beyond its scope or its limits).</summary>
public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>Thrown when a task or run does not exist.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>
/// Thrown when the store cannot take a write because the disk it writes to is full (SQLite's <c>SQLITE_FULL</c>,
/// PostgreSQL's <c>disk_full</c>): nothing of the write was kept. The message is the database's own.
/// </summary>
public sealed class StoreFullException(Exception error) : Exception(error.Message, error);
