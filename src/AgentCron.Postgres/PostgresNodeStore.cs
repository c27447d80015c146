using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Npgsql;

namespace AgentCron.Postgres;

/// <summary>
/// The node list. Like leases, heartbeats are written on the clock <see cref="Leases"/> chooses — the database's in
/// production — and read back as the caller's clock sees them (its now plus how long ago the server says it was), so a
/// node whose clock is off still sees which nodes are alive.
/// </summary>
internal sealed class PostgresNodeStore(PostgresDatabase db, Leases leases, TimeProvider time) : INodeStore
{
    public Task RegisterAsync(NodeInfo node, CancellationToken cancellationToken)
    {
        var database = leases.Clock == LeaseClock.Database;
        List<NpgsqlParameter> parameters = [Sql.Text("id", node.Id), Sql.Text("host", node.Host), Sql.Int("pid", node.Pid), Sql.Text("version", node.Version)];
        if (!database)
        {
            parameters.AddRange([Sql.Time("started", node.StartedAt), Sql.Time("seen", node.LastSeenAt)]);
        }

        return db.WriteAsync(
            async (write, ct) => await Sql.ExecuteAsync(
                write.Connection,
                $"""
                INSERT INTO nodes (id, host, pid, version, started_at, last_seen_at, stopped_at)
                VALUES (@id, @host, @pid, @version, {(database ? "clock_timestamp()" : "@started")}, {(database ? "clock_timestamp()" : "@seen")}, NULL)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
                    started_at = excluded.started_at, last_seen_at = excluded.last_seen_at, stopped_at = NULL
                """,
                parameters,
                ct),
            cancellationToken);
    }

    public Task BeatAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken) =>
        SetAsync(nodeId, "last_seen_at = GREATEST(last_seen_at, {0})", at, cancellationToken);

    public Task StopAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken) =>
        SetAsync(nodeId, "last_seen_at = GREATEST(last_seen_at, {0}), stopped_at = {0}", at, cancellationToken);

    public Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken)
    {
        // On the database clock each instant is shown as "the caller's now minus how long ago it was on the server".
        var shift = leases.Clock == LeaseClock.Database ? "@caller_now - clock_timestamp() + " : "";
        return db.ReadAsync<IReadOnlyList<NodeInfo>>(
            async (connection, ct) => await Sql.QueryAsync(
                connection,
                $"""
                SELECT id, host, pid, version, {shift}started_at, {shift}last_seen_at, {shift}stopped_at
                FROM nodes ORDER BY started_at DESC, id
                """,
                leases.Clock == LeaseClock.Database ? [Sql.Time("caller_now", time.GetUtcNow())] : [],
                Read,
                ct),
            cancellationToken);
    }

    public Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) =>
        db.WriteAsync(
            async (write, ct) => await Sql.ExecuteAsync(write.Connection, "DELETE FROM nodes WHERE last_seen_at < @before", [Sql.Time("before", olderThan)], ct),
            cancellationToken);

    private Task<int> SetAsync(string nodeId, string assignments, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var (now, parameters) = leases.Now(at);
        return db.WriteAsync(
            async (write, ct) => await Sql.ExecuteAsync(
                write.Connection,
                $"UPDATE nodes SET {string.Format(System.Globalization.CultureInfo.InvariantCulture, assignments, now)} WHERE id = @id",
                [Sql.Text("id", nodeId), .. parameters],
                ct),
            cancellationToken);
    }

    private static NodeInfo Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetInt32(2),
        r.GetString(3),
        Rows.Instant(r, 4),
        Rows.Instant(r, 5),
        Rows.Time(r, 6));
}
