using AgentCron.Core.Storage;
using Npgsql;

namespace AgentCron.Postgres;

/// <summary>
/// Applies the embedded, numbered <c>Migrations/NNNN_name.sql</c> scripts that the database has not seen, each in its
/// own transaction together with its row in <c>schema_version</c>. Nodes starting at once take turns on a transaction-
/// scoped advisory lock: the first applies a script, the others then find it recorded. DDL is transactional in
/// PostgreSQL, so a script that fails leaves nothing behind.
/// </summary>
internal static class Migrator
{
    /// <summary>The advisory lock key ("AgentCro" in ASCII); one-key locks do not collide with the stores' two-key locks.</summary>
    private const long LockKey = 0x4167656E7443726F;

    public static async Task MigrateAsync(PostgresDatabase db, PostgresDialect dialect, CancellationToken cancellationToken)
    {
        foreach (var (version, name, sql) in EmbeddedScripts.Migrations(typeof(Migrator).Assembly, "AgentCron.Postgres.Migrations."))
        {
            await db.WriteAsync(async (write, ct) =>
            {
                var connection = write.Connection;
                await dialect.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(@key)", [dialect.Long("key", LockKey)], ct);
                await dialect.ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)", [], ct);
                if (await dialect.CountAsync(connection, "SELECT COUNT(*) FROM schema_version WHERE version = @v", [dialect.Int("v", version)], ct) == 0)
                {
                    await dialect.ExecuteAsync(connection, sql, [], ct);
                    await dialect.ExecuteAsync(connection, "INSERT INTO schema_version (version, name, applied_at) VALUES (@v, @n, now())", [dialect.Int("v", version), dialect.Text("n", name)], ct);
                }

                return true;
            }, cancellationToken);
        }
    }
}
