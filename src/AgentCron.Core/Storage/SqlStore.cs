using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

/// <summary>
/// The store flows, written once for every database over ADO.NET: tasks, runs, run logs, thread sessions, nodes and the outbox, each
/// a role of its own, all applying the engine's policies inside one transaction per call. A database brings its
/// <see cref="IStoreDatabase"/> (how it opens, commits and retries), its <see cref="SqlDialect"/> (what it does
/// differently), its migrations and, where it has one, a change feed.
/// </summary>
public abstract class SqlStore : IAgentCronStore
{
    protected SqlStore(IStoreDatabase database, SqlDialect dialect, TimeProvider time)
    {
        var statements = new StoreStatements(dialect, new Rows(dialect));
        Tasks = new SqlTaskStore(database, statements);
        Runs = new SqlRunStore(database, statements, time);
        Logs = new SqlRunLogStore(database, statements);
        Threads = new SqlThreadStore(database, dialect);
        Nodes = new SqlNodeStore(database, dialect, time);
        Deliveries = new SqlDeliveryStore(database, statements, time);
    }

    public ITaskStore Tasks { get; }

    public IRunStore Runs { get; }

    public IRunLogStore Logs { get; }

    public IThreadStore Threads { get; }

    public INodeStore Nodes { get; }

    public IDeliveryStore Deliveries { get; }

    public abstract IStoreChangeFeed? Changes { get; }

    public abstract Task MigrateAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
