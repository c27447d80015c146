using System.Collections.Concurrent;
using AgentCron.TestKit;

namespace AgentCron.Postgres.Tests;

/// <summary>
/// One fresh database per test class on the shared server (<see cref="PostgresServer.Shared"/>), dropped after the class.
/// Tests of the class, which xUnit runs one at a time, get empty stores as schemas in it. Change notifications are
/// per database, so no other test class's writes reach a class's change feeds.
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    private readonly ConcurrentBag<string> _schemas = [];

    public string Database { get; private set; } = "";

    public async Task InitializeAsync() => Database = await PostgresServer.Shared.CreateDatabaseAsync("tests");

    public Task DisposeAsync() => PostgresServer.Shared.DropDatabaseAsync(Database);

    /// <summary>The connection string of a new, empty schema of this class's database.</summary>
    public async Task<string> NewStoreConnectionStringAsync(string prefix)
    {
        var schema = await PostgresServer.Shared.CreateSchemaAsync(Database, prefix);
        _schemas.Add(schema);
        return PostgresServer.Shared.ConnectionString(Database, schema);
    }

    /// <summary>Drops the schemas made so far (the stores on them must be disposed).</summary>
    public async Task DropSchemasAsync()
    {
        while (_schemas.TryTake(out var schema))
        {
            await PostgresServer.Shared.DropSchemaAsync(Database, schema);
        }
    }
}
