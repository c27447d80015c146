using System.Text.Json;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

internal sealed class SqlRunLogStore(IStoreDatabase db, StoreStatements statements) : IRunLogStore
{
    private SqlDialect Dialect => statements.Dialect;

    public Task AppendAsync(string runId, IReadOnlyList<NewRunLogEvent> events, CancellationToken cancellationToken) =>
        events.Count == 0 ? Task.CompletedTask : db.WriteAsync(
            async (write, ct) =>
            {
                await Dialect.ExecuteBatchAsync(write.Connection, [.. statements.AppendLog(runId, events)], ct);
                return true;
            },
            cancellationToken);

    public Task<IReadOnlyList<RunLogEvent>> ReadAsync(string runId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<RunLogEvent>>(
            async (connection, ct) => await Dialect.QueryAsync(
                connection,
                $"SELECT seq, at, attempt, type, {Dialect.JsonText("data")} FROM run_logs WHERE run_id = @run AND seq > @after ORDER BY seq LIMIT @limit",
                [Dialect.Text("run", runId), Dialect.Long("after", afterSeq), Dialect.Int("limit", limit)],
                r =>
                {
                    using var data = JsonDocument.Parse(r.GetString(4));
                    return new RunLogEvent(r.GetInt64(0), Dialect.ReadInstant(r, 1), r.GetInt32(2), r.GetString(3), data.RootElement.Clone());
                },
                ct),
            cancellationToken);
}
