using System.Text.Json;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

internal sealed class SqliteRunLogStore(SqliteDatabase db) : IRunLogStore
{
    public Task AppendAsync(string runId, IReadOnlyList<NewRunLogEvent> events, CancellationToken cancellationToken) =>
        events.Count == 0 ? Task.CompletedTask : db.WriteAsync(connection => Append(connection, runId, events), cancellationToken);

    public Task<IReadOnlyList<RunLogEvent>> ReadAsync(string runId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<RunLogEvent>>(connection => Rows.Query(
            connection,
            "SELECT seq, at, attempt, type, data FROM run_logs WHERE run_id = $run AND seq > $after ORDER BY seq LIMIT $limit",
            c =>
            {
                c.Parameters.Add("$run", runId);
                c.Parameters.Add("$after", afterSeq);
                c.Parameters.Add("$limit", limit);
            },
            r =>
            {
                using var data = JsonDocument.Parse(r.GetString(4));
                return new RunLogEvent(r.GetInt64(0), Rows.Instant(r.GetInt64(1)), r.GetInt32(2), r.GetString(3), data.RootElement.Clone());
            }), cancellationToken);

    /// <summary>Appends after the run's last entry; part of the caller's transaction.</summary>
    internal static int Append(SqliteConnection connection, string runId, IReadOnlyList<NewRunLogEvent> events)
    {
        if (events.Count == 0)
        {
            return 0;
        }

        var seq = (long)(Rows.Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM run_logs WHERE run_id = $run", c => c.Parameters.Add("$run", runId)) ?? 0L);
        var insert = Rows.Command(connection, "INSERT INTO run_logs (run_id, seq, at, attempt, type, data) VALUES ($run, $seq, $at, $attempt, $type, $data)");
        var run = insert.Parameters.Add("$run", SqliteType.Text);
        var seqParameter = insert.Parameters.Add("$seq", SqliteType.Integer);
        var at = insert.Parameters.Add("$at", SqliteType.Integer);
        var attempt = insert.Parameters.Add("$attempt", SqliteType.Integer);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var data = insert.Parameters.Add("$data", SqliteType.Text);
        run.Value = runId;
        foreach (var entry in events)
        {
            seqParameter.Value = ++seq;
            at.Value = Rows.Micros(entry.At);
            attempt.Value = entry.Attempt;
            type.Value = entry.Type;
            data.Value = entry.Data.GetRawText();
            insert.ExecuteNonQuery();
        }

        return events.Count;
    }
}
