using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

internal sealed class SqliteThreadStore(SqliteDatabase db) : IThreadStore
{
    private const string Columns = "thread, provider, session_id, updated_at";

    public Task<ThreadSession?> FindSessionAsync(string thread, string provider, CancellationToken cancellationToken) =>
        db.ReadAsync(
            connection => Rows.Query(
                connection,
                $"SELECT {Columns} FROM thread_sessions WHERE thread = $thread AND provider = $provider",
                c =>
                {
                    c.Parameters.Add("$thread", thread);
                    c.Parameters.Add("$provider", provider);
                },
                Read).FirstOrDefault(),
            cancellationToken);

    public Task<IReadOnlyList<ThreadSession>> SessionsAsync(string thread, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<ThreadSession>>(
            connection => Rows.Query(
                connection,
                $"SELECT {Columns} FROM thread_sessions WHERE thread = $thread ORDER BY updated_at DESC, provider",
                c => c.Parameters.Add("$thread", thread),
                Read),
            cancellationToken);

    /// <summary>Keeps the newest session of a thread and provider; part of the caller's transaction.</summary>
    internal static void Save(SqliteConnection connection, ThreadSession session) =>
        Rows.Execute(
            connection,
            """
            INSERT INTO thread_sessions (thread, provider, session_id, updated_at) VALUES ($thread, $provider, $session, $at)
            ON CONFLICT (thread, provider) DO UPDATE SET session_id = excluded.session_id, updated_at = excluded.updated_at
            """,
            c =>
            {
                c.Parameters.Add("$thread", session.Thread);
                c.Parameters.Add("$provider", session.Provider);
                c.Parameters.Add("$session", session.SessionId);
                c.Parameters.Add("$at", Rows.Micros(session.UpdatedAt));
            });

    private static ThreadSession Read(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), Rows.Instant(r.GetInt64(3)));
}
