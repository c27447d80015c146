using AgentCron.Core.Ports;

namespace AgentCron.Sqlite;

/// <summary>The embedded store: one SQLite file in WAL mode. Several daemons may share the file on one machine.</summary>
public sealed class SqliteStore : IAgentCronStore
{
    private readonly SqliteDatabase _db;
    private readonly SqliteChangeFeed _changes;

    public SqliteStore(string path, TimeProvider time)
    {
        _db = new SqliteDatabase(path);
        Tasks = new SqliteTaskStore(_db);
        Runs = new SqliteRunStore(_db);
        Logs = new SqliteRunLogStore(_db);
        Threads = new SqliteThreadStore(_db);
        Nodes = new SqliteNodeStore(_db);
        _changes = new SqliteChangeFeed(_db, time);
    }

    public string Path => _db.Path;

    internal SqliteDatabase Database => _db;
    public ITaskStore Tasks { get; }
    public IRunStore Runs { get; }
    public IRunLogStore Logs { get; }
    public IThreadStore Threads { get; }
    public INodeStore Nodes { get; }
    public IStoreChangeFeed? Changes => _changes;

    /// <summary>
    /// Checks the database can be used (its directory writable, the file writable, a SQLite database, not corrupt), creating
    /// it with mode 0600 if it is missing, then applies the migrations it has not seen. A database that cannot be used
    /// throws <see cref="Core.StartupCheckException"/> naming the path and the problem.
    /// </summary>
    public Task MigrateAsync(CancellationToken cancellationToken)
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

    public ValueTask DisposeAsync()
    {
        _changes.Dispose();
        return _db.DisposeAsync();
    }
}
