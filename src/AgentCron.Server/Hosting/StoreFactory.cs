using AgentCron.Core;
using AgentCron.Core.Ports;
using AgentCron.Postgres;
using AgentCron.Sqlite;

namespace AgentCron.Server.Hosting;

/// <summary>
/// Opens the store named by <c>--db</c>: <c>sqlite:PATH</c> (the default, in the data directory) or
/// <c>postgres:CONNSTRING</c> / <c>postgresql:CONNSTRING</c> (an Npgsql connection string; leases on the database clock).
/// </summary>
public static class StoreFactory
{
    private const string Usage = "use sqlite:PATH (e.g. sqlite:/var/lib/agentcron/agentcron.db) or postgres:CONNSTRING (e.g. postgres:Host=db;Database=agentcron;Username=agentcron;Password=…)";

    public static IAgentCronStore Open(string? db, string home, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(db))
        {
            return new SqliteStore(AgentCronPaths.Database(home), time);
        }

        var colon = db.IndexOf(':', StringComparison.Ordinal);
        var (kind, target) = colon < 0 ? (db, "") : (db[..colon], db[(colon + 1)..]);
        return kind.ToLowerInvariant() switch
        {
            "sqlite" when target.Length > 0 => new SqliteStore(Path.GetFullPath(target, home), time),
            "postgres" or "postgresql" => OpenPostgres(target, time),
            _ => throw new InvalidFieldException("db", $"'{Redact(db)}' is not a store; {Usage}"),
        };
    }

    public static string Describe(IAgentCronStore store) => store switch
    {
        SqliteStore sqlite => $"sqlite:{sqlite.Path}",
        PostgresStore postgres => $"postgres:{postgres.Description}",
        _ => store.GetType().Name,
    };

    private static PostgresStore OpenPostgres(string connectionString, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidFieldException("db", $"postgres: needs a connection string; {Usage}");
        }

        try
        {
            return new PostgresStore(connectionString, time);
        }
        catch (ArgumentException ex)
        {
            // Npgsql's message names the bad keyword or value, never the password.
            throw new InvalidFieldException("db", $"invalid PostgreSQL connection string: {ex.Message}; {Usage}");
        }
    }

    /// <summary>The text of <c>--db</c> as it may be echoed: a connection string's password is never repeated.</summary>
    private static string Redact(string db) =>
        db.Contains("password", StringComparison.OrdinalIgnoreCase) ? db[..db.IndexOf(':', StringComparison.Ordinal)] + ":…" : db;
}
