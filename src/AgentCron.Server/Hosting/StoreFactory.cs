using AgentCron.Core;
using AgentCron.Core.Ports;
using AgentCron.Sqlite;

namespace AgentCron.Server.Hosting;

/// <summary>Opens the store named by <c>--db</c>: <c>sqlite:PATH</c> (the default, in the data directory).</summary>
public static class StoreFactory
{
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
            "postgres" or "postgresql" => throw new InvalidFieldException("db", "the PostgreSQL store is not available in this version; use sqlite:PATH"),
            _ => throw new InvalidFieldException("db", $"'{db}' is not a store; use sqlite:PATH (e.g. sqlite:/var/lib/agentcron/agentcron.db)"),
        };
    }

    public static string Describe(IAgentCronStore store) => store is SqliteStore sqlite ? $"sqlite:{sqlite.Path}" : store.GetType().Name;
}
