using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

/// <summary>
/// The node list. Like leases, heartbeats are written on the clock the dialect judges leases by — the database's on
/// PostgreSQL — and read back as the caller's clock sees them, so a node whose clock is off still sees which nodes are
/// alive.
/// </summary>
internal sealed class SqlNodeStore(IStoreDatabase db, SqlDialect dialect, TimeProvider time) : INodeStore
{
    public Task RegisterAsync(NodeInfo node, CancellationToken cancellationToken)
    {
        var (started, startedParameters) = dialect.LeaseNow(node.StartedAt, "started");
        var (seen, seenParameters) = dialect.LeaseNow(node.LastSeenAt, "seen");
        return db.WriteAsync(
            (write, ct) => dialect.ExecuteAsync(
                write.Connection,
                $"""
                INSERT INTO nodes (id, host, pid, version, started_at, last_seen_at, stopped_at)
                VALUES (@id, @host, @pid, @version, {started}, {seen}, NULL)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
                    started_at = excluded.started_at, last_seen_at = excluded.last_seen_at, stopped_at = NULL
                """,
                [dialect.Text("id", node.Id), dialect.Text("host", node.Host), dialect.Int("pid", node.Pid), dialect.Text("version", node.Version), .. startedParameters, .. seenParameters],
                ct),
            cancellationToken);
    }

    public Task BeatAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken) =>
        SetAsync(nodeId, "last_seen_at = {0}", at, cancellationToken);

    public Task StopAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken) =>
        SetAsync(nodeId, "last_seen_at = {0}, stopped_at = {1}", at, cancellationToken);

    public Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken)
    {
        // Every column's expression takes the same parameters.
        var now = time.GetUtcNow();
        var (started, parameters) = dialect.AsCallerTime("started_at", now);
        return db.ReadAsync<IReadOnlyList<NodeInfo>>(
            async (connection, ct) => await dialect.QueryAsync(
                connection,
                $"""
                SELECT id, host, pid, version, {started}, {dialect.AsCallerTime("last_seen_at", now).Sql}, {dialect.AsCallerTime("stopped_at", now).Sql}
                FROM nodes ORDER BY started_at DESC, id
                """,
                parameters,
                Read,
                ct),
            cancellationToken);
    }

    public Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) =>
        db.WriteAsync(
            (write, ct) => dialect.ExecuteAsync(write.Connection, "DELETE FROM nodes WHERE last_seen_at < @before", [dialect.Instant("before", olderThan)], ct),
            cancellationToken);

    /// <summary>
    /// Sets <paramref name="assignments"/>, where <c>{0}</c> is the later of the stored heartbeat and now (a heartbeat
    /// never goes back) and <c>{1}</c> is now.
    /// </summary>
    private Task<int> SetAsync(string nodeId, string assignments, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var (now, parameters) = dialect.LeaseNow(at);
        var latest = $"CASE WHEN last_seen_at > {now} THEN last_seen_at ELSE {now} END";
        return db.WriteAsync(
            (write, ct) => dialect.ExecuteAsync(
                write.Connection,
                $"UPDATE nodes SET {string.Format(System.Globalization.CultureInfo.InvariantCulture, assignments, latest, now)} WHERE id = @id",
                [dialect.Text("id", nodeId), .. parameters],
                ct),
            cancellationToken);
    }

    private NodeInfo Read(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetInt32(2),
        r.GetString(3),
        dialect.ReadInstant(r, 4),
        dialect.ReadInstant(r, 5),
        r.IsDBNull(6) ? null : dialect.ReadInstant(r, 6));
}
