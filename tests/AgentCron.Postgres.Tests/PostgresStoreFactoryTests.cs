using AgentCron.Core;
using AgentCron.Core.Storage;
using AgentCron.Server.Hosting;
using AgentCron.TestKit;

namespace AgentCron.Postgres.Tests;

/// <summary><c>--db postgres:CONNSTRING</c>: opens the PostgreSQL store, rejects bad strings under <c>db</c>, never shows the password.</summary>
public sealed class PostgresStoreFactoryTests
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("postgresql")]
    [InlineData("PostgreSQL")]
    public async Task Open_ReturnsAPostgresStoreOnTheDatabaseClock_WhenDbIsAConnectionString(string scheme)
    {
        await using var store = StoreFactory.Open($"{scheme}:Host=db.internal;Port=5433;Database=agentcron;Username=cron;Password=s3cret-pw", "/tmp", TimeProvider.System);

        var postgres = Assert.IsType<PostgresStore>(store);
        Assert.Equal(LeaseClock.Database, postgres.LeaseClock);
        var described = StoreFactory.Describe(store);
        Assert.StartsWith("postgres:", described, StringComparison.Ordinal);
        Assert.Contains("Host=db.internal", described, StringComparison.Ordinal);
        Assert.Contains("Database=agentcron", described, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", described, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres:")]
    [InlineData("postgres:Database=agentcron")]
    [InlineData("postgres:Hots=db;Password=s3cret-pw")]
    [InlineData("postgres:Host=db;Port=notaport;Password=s3cret-pw")]
    public void Open_ThrowsInvalidFieldNamingDb_WhenTheConnectionStringIsInvalid(string db)
    {
        var error = Assert.Throws<InvalidFieldException>(() => StoreFactory.Open(db, "/tmp", TimeProvider.System));

        Assert.Equal("db", error.Field);
        Assert.DoesNotContain("s3cret-pw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_StoreWorks_WhenPointedAtARealServer()
    {
        var server = PostgresServer.Shared;
        var database = await server.CreateDatabaseAsync("factory");
        try
        {
            await using (var store = StoreFactory.Open("postgres:" + server.ConnectionString(database), "/tmp", TimeProvider.System))
            {
                await store.MigrateAsync(CancellationToken.None);
                Assert.Null(await store.Tasks.NextFireAtAsync(CancellationToken.None));
            }
        }
        finally
        {
            await server.DropDatabaseAsync(database);
        }
    }
}
