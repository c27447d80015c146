using AgentCron.Core.Ports;
using AgentCron.Sqlite;
using AgentCron.TestKit;
using AgentCron.TestKit.StoreCompliance;

namespace AgentCron.Sqlite.Tests;

/// <summary>The store compliance suite on SQLite files in a temp directory, one file per named database.</summary>
public sealed class SqliteStoreComplianceTests : StoreComplianceTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    // The store reads the clock only for its change feed, which must really tick to be observed.
    protected override Task<IAgentCronStore> OpenStoreAsync(string database) =>
        Task.FromResult<IAgentCronStore>(new SqliteStore(_directory.File(database + ".db"), TimeProvider.System));

    protected override Task DropDatabasesAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _directory.Dispose();
}
