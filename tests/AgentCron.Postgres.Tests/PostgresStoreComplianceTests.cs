using System.Collections.Concurrent;
using AgentCron.Core.Ports;
using AgentCron.TestKit;
using AgentCron.TestKit.StoreCompliance;

namespace AgentCron.Postgres.Tests;

/// <summary>
/// The store compliance suite, unchanged, on a real PostgreSQL: each named database of a test is a fresh database on the
/// shared throwaway server. The suite passes its instants explicitly, so leases are judged on the caller's clock here
/// (<see cref="LeaseClock.Caller"/>); <see cref="PostgresLeaseClockTests"/> covers the database clock.
/// </summary>
public sealed class PostgresStoreComplianceTests : StoreComplianceTests
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new(StringComparer.Ordinal);

    protected override async Task<IAgentCronStore> OpenStoreAsync(string database)
    {
        var name = await _databases.GetOrAdd(database, d => new(() => PostgresServer.Shared.CreateDatabaseAsync("compliance_" + d))).Value;
        return new PostgresStore(PostgresServer.Shared.ConnectionString(name), TimeProvider.System, new PostgresStoreOptions { LeaseClock = LeaseClock.Caller });
    }

    protected override async Task DropDatabasesAsync()
    {
        foreach (var database in _databases.Values)
        {
            await PostgresServer.Shared.DropDatabaseAsync(await database.Value);
        }
    }
}
