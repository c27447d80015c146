using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

internal sealed class SqlThreadStore(IStoreDatabase db, SqlDialect dialect) : IThreadStore
{
    private const string Columns = "thread, provider, session_id, updated_at";

    public Task<ThreadSession?> FindSessionAsync(string thread, string provider, CancellationToken cancellationToken) =>
        db.ReadAsync(
            async (connection, ct) => (await dialect.QueryAsync(
                connection,
                $"SELECT {Columns} FROM thread_sessions WHERE thread = @thread AND provider = @provider",
                [dialect.Text("thread", thread), dialect.Text("provider", provider)],
                Read,
                ct)).FirstOrDefault(),
            cancellationToken);

    public Task<IReadOnlyList<ThreadSession>> SessionsAsync(string thread, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<ThreadSession>>(
            async (connection, ct) => await dialect.QueryAsync(
                connection,
                $"SELECT {Columns} FROM thread_sessions WHERE thread = @thread ORDER BY updated_at DESC, provider",
                [dialect.Text("thread", thread)],
                Read,
                ct),
            cancellationToken);

    private ThreadSession Read(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), dialect.ReadInstant(r, 3));
}
