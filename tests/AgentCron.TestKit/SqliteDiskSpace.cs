using AgentCron.Sqlite;

namespace AgentCron.TestKit;

/// <summary>
/// Makes a SQLite store's database as full as a full disk would, and gives the space back, without root or a small file
/// system: <c>PRAGMA max_page_count</c> on the store's writer connection caps the file at the pages it has now, so every
/// write that needs another page fails with SQLITE_FULL ("database or disk is full"), while writes that fit in place
/// (a lease renewal) still succeed.
/// </summary>
public static class SqliteDiskSpace
{
    private const long SqliteMaxPages = 4294967294;

    public static Task FillAsync(SqliteStore store) => SetLimitAsync(store, null);

    public static Task FreeAsync(SqliteStore store) => SetLimitAsync(store, SqliteMaxPages);

    private static async Task SetLimitAsync(SqliteStore store, long? pages) => await store.Database.WriteAsync(async (write, ct) =>
    {
        await using var command = write.Connection.CreateCommand();
        command.CommandText = "PRAGMA page_count";
        var limit = pages ?? (long)(await command.ExecuteScalarAsync(ct))!;
        command.CommandText = $"PRAGMA max_page_count = {limit}";
        return await command.ExecuteScalarAsync(ct);
    }, CancellationToken.None);
}
