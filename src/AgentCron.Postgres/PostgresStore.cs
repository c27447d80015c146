using AgentCron.Core.Ports;
using Npgsql;

namespace AgentCron.Postgres;

/// <summary>How a <see cref="PostgresStore"/> judges time.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary>Which clock decides when leases run out; the database's by default (several nodes, several clocks).</summary>
    public LeaseClock LeaseClock { get; init; } = LeaseClock.Database;
}

/// <summary>
/// The store for several daemons on one PostgreSQL database: the database is the only coordination point. Claims and
/// planning take rows with <c>FOR UPDATE … SKIP LOCKED</c>, leases run on the database's clock, every write of a run
/// is fenced by the owner and attempt it holds, and <c>LISTEN/NOTIFY</c> wakes the other nodes when work becomes due.
/// </summary>
public sealed class PostgresStore : IAgentCronStore
{
    private readonly PostgresDatabase _db;
    private readonly PostgresChangeFeed _changes;
    private readonly string _server;

    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>); pooling and
    /// its limits are the driver's (<c>Maximum Pool Size</c>, <c>Timeout</c>, …).</param>
    /// <param name="time">The node's clock: only lease lengths and retry pauses come from it in database-clock mode.</param>
    /// <param name="options">Null for the defaults.</param>
    public PostgresStore(string connectionString, TimeProvider time, PostgresStoreOptions? options = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("the connection string names no Host", nameof(connectionString));
        }

        builder.Password = null;
        Description = builder.ConnectionString;
        _server = $"PostgreSQL at {builder.Host}:{builder.Port}, database '{builder.Database ?? builder.Username}' as user '{builder.Username}'";
        _db = new PostgresDatabase(connectionString, time);
        var leases = new Leases((options ?? new PostgresStoreOptions()).LeaseClock, time);
        LeaseClock = leases.Clock;
        Tasks = new PostgresTaskStore(_db);
        Runs = new PostgresRunStore(_db, leases);
        Logs = new PostgresRunLogStore(_db);
        Threads = new PostgresThreadStore(_db);
        Nodes = new PostgresNodeStore(_db, leases, time);
        _changes = new PostgresChangeFeed(_db, time);
    }

    /// <summary>The connection string without its password, for logs and health.</summary>
    public string Description { get; }

    public LeaseClock LeaseClock { get; }
    public ITaskStore Tasks { get; }
    public IRunStore Runs { get; }
    public IRunLogStore Logs { get; }
    public IThreadStore Threads { get; }
    public INodeStore Nodes { get; }
    public IStoreChangeFeed? Changes => _changes;

    /// <summary>
    /// Applies the migrations the database has not seen. A server that cannot be reached or refuses this user throws
    /// <see cref="Core.StartupCheckException"/> naming host, port, database and user (never the password).
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Migrator.MigrateAsync(_db, cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            var cause = ex.InnerException is { } inner and not PostgresException ? $"{ex.Message}: {inner.Message}" : ex.Message;
            throw new Core.StartupCheckException($"cannot use {_server}: {cause}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _changes.DisposeAsync();
        await _db.DisposeAsync();
    }
}
