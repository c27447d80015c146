using AgentCron.Core.Storage;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

/// <summary>
/// Applies the embedded, numbered <c>Migrations/NNNN_name.sql</c> scripts that the database has not seen, each in its
/// own transaction together with its row in <c>schema_version</c>. Concurrent starts are safe: the first process to take
/// the write lock applies a script and the others then see it recorded.
/// </summary>
internal static class Migrator
{
    public static void Migrate(SqliteConnection connection)
    {
        // WAL lets readers run beside the writer; it is a property of the file, so setting it once is enough.
        SqliteDatabase.Execute(connection, "PRAGMA journal_mode = WAL");
        SqliteDatabase.Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        foreach (var (version, name, sql) in EmbeddedScripts.Migrations(typeof(Migrator).Assembly, "AgentCron.Sqlite.Migrations."))
        {
            // Raw BEGIN IMMEDIATE: the write lock is taken before the check, so two starting daemons cannot both apply.
            SqliteDatabase.Execute(connection, "BEGIN IMMEDIATE");
            try
            {
                using var check = connection.CreateCommand();
                check.CommandText = "SELECT COUNT(*) FROM schema_version WHERE version = $v";
                check.Parameters.AddWithValue("$v", version);
                if ((long)check.ExecuteScalar()! == 0)
                {
                    SqliteDatabase.Execute(connection, sql);
                    using var record = connection.CreateCommand();
                    record.CommandText = "INSERT INTO schema_version (version, name, applied_at) VALUES ($v, $n, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
                    record.Parameters.AddWithValue("$v", version);
                    record.Parameters.AddWithValue("$n", name);
                    record.ExecuteNonQuery();
                }

                SqliteDatabase.Execute(connection, "COMMIT");
            }
            catch
            {
                SqliteDatabase.Execute(connection, "ROLLBACK");
                throw;
            }
        }
    }
}
