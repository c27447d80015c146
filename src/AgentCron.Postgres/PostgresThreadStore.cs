using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Npgsql;

namespace AgentCron.Postgres;

internal sealed class PostgresThreadStore(PostgresDatabase db) : IThreadStore
{
    private const string Columns = "thread, provider, session_id, updated_at";

    public Task<ThreadSession?> FindSessionAsync(string thread, string provider, CancellationToken cancellationToken) =>
        db.ReadAsync(
            async (connection, ct) => (await Sql.QueryAsync(
                connection,
                $"SELECT {Columns} FROM thread_sessions WHERE thread = @thread AND provider = @provider",
                [Sql.Text("thread", thread), Sql.Text("provider", provider)],
                Read,
                ct)).FirstOrDefault(),
            cancellationToken);

    public Task<IReadOnlyList<ThreadSession>> SessionsAsync(string thread, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<ThreadSession>>(
            async (connection, ct) => await Sql.QueryAsync(
                connection,
                $"SELECT {Columns} FROM thread_sessions WHERE thread = @thread ORDER BY updated_at DESC, provider",
                [Sql.Text("thread", thread)],
                Read,
                ct),
            cancellationToken);

    /// <summary>Keeps the newest session of a thread and provider; part of the caller's transaction.</summary>
    internal static Task SaveAsync(NpgsqlConnection connection, ThreadSession session, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(
            connection,
            """
            INSERT INTO thread_sessions (thread, provider, session_id, updated_at) VALUES (@thread, @provider, @session, @at)
            ON CONFLICT (thread, provider) DO UPDATE SET session_id = excluded.session_id, updated_at = excluded.updated_at
            """,
            [Sql.Text("thread", session.Thread), Sql.Text("provider", session.Provider), Sql.Text("session", session.SessionId), Sql.Time("at", session.UpdatedAt)],
            cancellationToken);

    private static ThreadSession Read(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), Rows.Instant(r, 3));
}
