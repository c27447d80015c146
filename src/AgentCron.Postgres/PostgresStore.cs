using AgentCron.Core.Ports;
using AgentCron.Core.Storage;
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
public sealed class PostgresStore : SqlStore
{
    private readonly PostgresDatabase _db;
    private readonly PostgresDialect _dialect;
    private readonly PostgresChangeFeed _changes;
    private readonly string _server;

    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>); pooling and
    /// its limits are the driver's (<c>Maximum Pool Size</c>, <c>Timeout</c>, …).</param>
    /// <param name="time">The node's clock: only lease lengths and retry pauses come from it in database-clock mode.</param>
    /// <param name="options">Null for the defaults.</param>
    public PostgresStore(string connectionString, TimeProvider time, PostgresStoreOptions? options = null)
        : this(Checked(connectionString), new PostgresDialect((options ?? new PostgresStoreOptions()).LeaseClock), time)
    {
    }

    private PostgresStore(NpgsqlConnectionStringBuilder builder, PostgresDialect dialect, TimeProvider time)
        : this(new PostgresDatabase(builder.ConnectionString, time), dialect, builder, time)
    {
    }

    private PostgresStore(PostgresDatabase db, PostgresDialect dialect, NpgsqlConnectionStringBuilder builder, TimeProvider time)
        : base(db, dialect, time)
    {
        _db = db;
        _dialect = dialect;
        _changes = new PostgresChangeFeed(db, time);
        _server = $"PostgreSQL at {builder.Host}:{builder.Port}, database '{builder.Database ?? builder.Username}' as user '{builder.Username}'";
        var described = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Password = null };
        Description = described.ConnectionString;
    }

    /// <summary>The connection string without its password, for logs and health.</summary>
    public string Description { get; }

    public LeaseClock LeaseClock => _dialect.LeaseClock;

    public override IStoreChangeFeed? Changes => _changes;

    /// <summary>
    /// Applies the migrations the database has not seen. A server that cannot be reached or refuses this user throws
    /// <see cref="Core.StartupCheckException"/> naming host, port, database and user (never the password).
    /// </summary>
    public override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Migrator.MigrateAsync(_db, _dialect, cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            var cause = ex.InnerException is { } inner and not PostgresException ? $"{ex.Message}: {inner.Message}" : ex.Message;
            throw new Core.StartupCheckException($"cannot use {_server}: {cause}", ex);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _changes.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static NpgsqlConnectionStringBuilder Checked(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("the connection string names no Host", nameof(connectionString));
        }

        return builder;
    }
}
