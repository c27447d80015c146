using AgentCron.Core;
using AgentCron.TestKit;
using Npgsql;

namespace AgentCron.Postgres.Tests;

/// <summary>A PostgreSQL store that cannot be used at start says which server, database and user, never the password.</summary>
public sealed class PostgresStartCheckTests
{
    [Fact]
    public async Task MigrateAsync_NamesHostPortDatabaseAndUser_NotThePassword_WhenNothingListens()
    {
        var port = LoopbackPort.Free();
        await using var store = new PostgresStore($"Host=127.0.0.1;Port={port};Database=agentcron;Username=cron;Password=s3cret-pw", TimeProvider.System);

        var error = await Assert.ThrowsAsync<StartupCheckException>(() => store.MigrateAsync(CancellationToken.None));

        Assert.StartsWith($"cannot use PostgreSQL at 127.0.0.1:{port}, database 'agentcron' as user 'cron': Failed to connect to 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_SaysTheDatabaseDoesNotExist_WhenTheServerAnswers()
    {
        var server = PostgresServer.Shared;
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString("postgres")) { Database = "no_such_database", Password = "s3cret-pw" }.ConnectionString;
        await using var store = new PostgresStore(connectionString, TimeProvider.System);

        var error = await Assert.ThrowsAsync<StartupCheckException>(() => store.MigrateAsync(CancellationToken.None));

        Assert.Equal($"cannot use PostgreSQL at 127.0.0.1:{server.Port}, database 'no_such_database' as user 'postgres': 3D000: database \"no_such_database\" does not exist", error.Message);
    }
}
