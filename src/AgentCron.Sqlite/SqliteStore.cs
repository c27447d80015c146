using AgentCron.Core.Ports;

namespace AgentCron.Sqlite;

/// <summary>The embedded store: one SQLite file in WAL mode. Several daemons may share the file on one machine.</summary>
public sealed class SqliteStore : IAgentCronStore
{
    private readonly SqliteDatabase _db;
    private readonly SqliteChangeFeed _changes;

    public SqliteStore(string path, TimeProvider time)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        _db = new SqliteDatabase(path);
        Tasks = new SqliteTaskStore(_db);
        Runs = new SqliteRunStore(_db);
        Logs = new SqliteRunLogStore(_db);
        Threads = new SqliteThreadStore(_db);
        Nodes = new SqliteNodeStore(_db);
        _changes = new SqliteChangeFeed(_db, time);
    }

    public string Path => _db.Path;
    public ITaskStore Tasks { get; }
    public IRunStore Runs { get; }
    public IRunLogStore Logs { get; }
    public IThreadStore Threads { get; }
    public INodeStore Nodes { get; }
    public IStoreChangeFeed? Changes => _changes;

    public Task MigrateAsync(CancellationToken cancellationToken)
    {
        using var connection = _db.Open();
        Migrator.Migrate(connection);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _changes.Dispose();
        return _db.DisposeAsync();
    }
}
