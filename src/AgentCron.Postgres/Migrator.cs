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

    public static async Task MigrateAsync(PostgresDatabase db, CancellationToken cancellationToken)
    {
        foreach (var (version, name, sql) in EmbeddedScripts.Migrations(typeof(Migrator).Assembly, "AgentCron.Postgres.Migrations."))
        {
            await db.WriteAsync(async (write, ct) =>
            {
                var connection = write.Connection;
                await Sql.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(@key)", [Sql.Long("key", LockKey)], ct);
                await Sql.ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)", [], ct);
                if (await Sql.ScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_version WHERE version = @v", [Sql.Int("v", version)], ct) == 0)
                {
                    await using (var batch = new NpgsqlCommand(sql, connection))
                    {
                        await batch.ExecuteNonQueryAsync(ct);
                    }

                    await Sql.ExecuteAsync(connection, "INSERT INTO schema_version (version, name, applied_at) VALUES (@v, @n, now())", [Sql.Int("v", version), Sql.Text("n", name)], ct);
                }

                return true;
            }, cancellationToken);
        }
    }
}
