using System.Collections.Concurrent;
using AgentCron.Core.Ports;
using AgentCron.Core.Storage;
using AgentCron.TestKit.StoreCompliance;

namespace AgentCron.Postgres.Tests;

/// <summary>
/// The store compliance suite, unchanged, on a real PostgreSQL: each named database of a test is a fresh schema in
/// this class's database on the shared throwaway server. The suite passes its instants explicitly, so leases are judged
/// on the caller's clock here (<see cref="LeaseClock.Caller"/>); <see cref="PostgresLeaseClockTests"/> covers the
/// database clock.
/// </summary>
public sealed class PostgresStoreComplianceTests(PostgresDatabaseFixture fixture) : StoreComplianceTests, IClassFixture<PostgresDatabaseFixture>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _connectionStrings = new(StringComparer.Ordinal);

    protected override async Task<IAgentCronStore> OpenStoreAsync(string database)
    {
        var connectionString = await _connectionStrings.GetOrAdd(database, d => new(() => fixture.NewStoreConnectionStringAsync(d))).Value;
        return new PostgresStore(connectionString, TimeProvider.System, new PostgresStoreOptions { LeaseClock = LeaseClock.Caller });
    }

    protected override Task DropDatabasesAsync() => fixture.DropSchemasAsync();
}
