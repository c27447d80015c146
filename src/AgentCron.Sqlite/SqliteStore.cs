using AgentCron.Core.Ports;
using AgentCron.Core.Storage;

namespace AgentCron.Sqlite;

/// <summary>The embedded store: one SQLite file in WAL mode. Several daemons may share the file on one machine.</summary>
public sealed class SqliteStore : SqlStore
{
    private readonly SqliteDatabase _db;
    private readonly SqliteChangeFeed _changes;

    public SqliteStore(string path, TimeProvider time)
        : this(new SqliteDatabase(path), time)
    {
    }

    private SqliteStore(SqliteDatabase db, TimeProvider time)
        : base(db, SqliteDialect.Instance, time)
    {
        _db = db;
        _changes = new SqliteChangeFeed(db, time);
    }

    public string Path => _db.Path;

    internal SqliteDatabase Database => _db;

    public override IStoreChangeFeed? Changes => _changes;

    /// <summary>
    /// Checks the database can be used (its directory writable, the file writable, a SQLite database, not corrupt), creating
    /// it with mode 0600 if it is missing, then applies the migrations it has not seen. A database that cannot be used
    /// throws <see cref="Core.StartupCheckException"/> naming the path and the problem.
    /// </summary>
    public override Task MigrateAsync(CancellationToken cancellationToken)
    {
        StartCheck.PrepareFiles(Path);
        try
        {
            using var connection = _db.Open();
            StartCheck.Verify(connection, Path);
            Migrator.Migrate(connection);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw StartCheck.Unusable(ex, Path);
        }

        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        _changes.Dispose();
        return _db.DisposeAsync();
    }
}
