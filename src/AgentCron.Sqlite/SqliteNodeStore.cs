using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

internal sealed class SqliteNodeStore(SqliteDatabase db) : INodeStore
{
    public Task RegisterAsync(NodeInfo node, CancellationToken cancellationToken) =>
        db.WriteAsync(
            connection => Rows.Execute(
                connection,
                """
                INSERT INTO nodes (id, host, pid, version, started_at, last_seen_at, stopped_at)
                VALUES ($id, $host, $pid, $version, $started, $seen, NULL)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
                    started_at = excluded.started_at, last_seen_at = excluded.last_seen_at, stopped_at = NULL
                """,
                c =>
                {
                    c.Parameters.Add("$id", node.Id);
                    c.Parameters.Add("$host", node.Host);
                    c.Parameters.Add("$pid", node.Pid);
                    c.Parameters.Add("$version", node.Version);
                    c.Parameters.Add("$started", Rows.Micros(node.StartedAt));
                    c.Parameters.Add("$seen", Rows.Micros(node.LastSeenAt));
                }),
            cancellationToken);

    public Task BeatAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken) =>
        Set(nodeId, "last_seen_at = max(last_seen_at, $at)", at, cancellationToken);

    public Task StopAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken) =>
        Set(nodeId, "last_seen_at = max(last_seen_at, $at), stopped_at = $at", at, cancellationToken);

    public Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<NodeInfo>>(
            connection => Rows.Query(
                connection,
                "SELECT id, host, pid, version, started_at, last_seen_at, stopped_at FROM nodes ORDER BY started_at DESC, id",
                null,
                Read),
            cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) =>
        db.WriteAsync(
            connection => Rows.Execute(connection, "DELETE FROM nodes WHERE last_seen_at < $before", c => c.Parameters.Add("$before", Rows.Micros(olderThan))),
            cancellationToken);

    private Task<int> Set(string nodeId, string assignments, DateTimeOffset at, CancellationToken cancellationToken) =>
        db.WriteAsync(
            connection => Rows.Execute(
                connection,
                $"UPDATE nodes SET {assignments} WHERE id = $id",
                c =>
                {
                    c.Parameters.Add("$id", nodeId);
                    c.Parameters.Add("$at", Rows.Micros(at));
                }),
            cancellationToken);

    private static NodeInfo Read(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetInt32(2),
        r.GetString(3),
        Rows.Instant(r.GetInt64(4)),
        Rows.Instant(r.GetInt64(5)),
        r.IsDBNull(6) ? null : Rows.Instant(r.GetInt64(6)));
}
