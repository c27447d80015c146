using System.Text.Json;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Npgsql;
using NpgsqlTypes;

namespace AgentCron.Postgres;

internal sealed class PostgresRunLogStore(PostgresDatabase db) : IRunLogStore
{
    public Task AppendAsync(string runId, IReadOnlyList<NewRunLogEvent> events, CancellationToken cancellationToken) =>
        events.Count == 0 ? Task.CompletedTask : db.WriteAsync((write, ct) => AppendAsync(write.Connection, runId, events, ct), cancellationToken);

    public Task<IReadOnlyList<RunLogEvent>> ReadAsync(string runId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<RunLogEvent>>(
            async (connection, ct) => await Sql.QueryAsync(
                connection,
                "SELECT seq, at, attempt, type, data::text FROM run_logs WHERE run_id = @run AND seq > @after ORDER BY seq LIMIT @limit",
                [Sql.Text("run", runId), Sql.Long("after", afterSeq), Sql.Int("limit", limit)],
                r =>
                {
                    using var data = JsonDocument.Parse(r.GetString(4));
                    return new RunLogEvent(r.GetInt64(0), Rows.Instant(r, 1), r.GetInt32(2), r.GetString(3), data.RootElement.Clone());
                },
                ct),
            cancellationToken);

    /// <summary>
    /// Appends after the run's last entry; part of the caller's transaction. Appends to one run take turns on an advisory
    /// lock held to commit, so sequence numbers never collide and commit in order: a follower reading after the last seq
    /// it saw never skips an entry that commits later with a lower seq.
    /// </summary>
    internal static async Task<int> AppendAsync(NpgsqlConnection connection, string runId, IReadOnlyList<NewRunLogEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return 0;
        }

        await Sql.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(@space, hashtext(@run))", [Sql.Int("space", LockSpaces.RunLogs), Sql.Text("run", runId)], cancellationToken);
        var last = await Sql.ScalarAsync<long>(connection, "SELECT COALESCE(MAX(seq), 0) FROM run_logs WHERE run_id = @run", [Sql.Text("run", runId)], cancellationToken);
        return await Sql.ExecuteAsync(
            connection,
            """
            INSERT INTO run_logs (run_id, seq, at, attempt, type, data)
            SELECT @run, @last + e.n, e.at, e.attempt, e.type, e.data::json
            FROM unnest(@at, @attempt, @type, @data) WITH ORDINALITY AS e (at, attempt, type, data, n)
            """,
            [
                Sql.Text("run", runId),
                Sql.Long("last", last),
                new NpgsqlParameter("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = events.Select(e => e.At.UtcDateTime).ToArray() },
                new NpgsqlParameter("attempt", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = events.Select(e => e.Attempt).ToArray() },
                Sql.TextArray("type", events.Select(e => e.Type)),
                Sql.TextArray("data", events.Select(e => e.Data.GetRawText())),
            ],
            cancellationToken);
    }
}
