using System.Data.Common;
using AgentCron.Core.Ports;
using AgentCron.Core.Storage;
using Npgsql;
using NpgsqlTypes;

namespace AgentCron.Postgres;

/// <summary>
/// PostgreSQL's side of the store flows. Every parameter carries its PostgreSQL type, so a null binds as a typed null,
/// and instants are sent in UTC (timestamptz takes no other offset); instants, durations and flags keep their own types.
/// Several nodes write at once, so rows a transaction will write back are locked (<c>FOR NO KEY UPDATE</c>, which
/// leaves foreign-key checks free), and rows nodes compete for are taken with <c>SKIP LOCKED</c>.
/// </summary>
internal sealed class PostgresDialect(LeaseClock clock) : SqlDialect
{
    public override LeaseClock LeaseClock => clock;

    public override string ForUpdate => " FOR NO KEY UPDATE";

    public override string ForUpdateSkipLocked => " FOR NO KEY UPDATE SKIP LOCKED";

    /// <summary>
    /// The planner's claim on due tasks, from the partial index <c>tasks_due</c>. SKIP LOCKED: several nodes planning at
    /// once each take different tasks instead of queueing behind one another; a task another node has just planned is
    /// re-checked on its committed row and no longer matches. The unique occurrence key stays the exactly-once guard.
    /// </summary>
    public override string DueTasks => $"""
        SELECT {Rows.TaskColumns} FROM tasks
        WHERE status = 'active' AND next_fire_at IS NOT NULL AND next_fire_at <= @now
        ORDER BY next_fire_at LIMIT @limit
        FOR NO KEY UPDATE SKIP LOCKED
        """;

    public override string NextFireAt => "SELECT MIN(next_fire_at) FROM tasks WHERE status = 'active' AND next_fire_at IS NOT NULL";

    public override DbParameter Text(string name, string? value) => Typed(name, NpgsqlDbType.Text, value);

    public override DbParameter Int(string name, int? value) => Typed(name, NpgsqlDbType.Integer, value);

    public override DbParameter Long(string name, long? value) => Typed(name, NpgsqlDbType.Bigint, value);

    public override DbParameter Flag(string name, bool value) => Typed(name, NpgsqlDbType.Boolean, value);

    public override DbParameter Decimal(string name, decimal? value) => Typed(name, NpgsqlDbType.Numeric, value);

    public override DbParameter Instant(string name, DateTimeOffset? value) => Typed(name, NpgsqlDbType.TimestampTz, value?.ToUniversalTime());

    public override DbParameter Duration(string name, TimeSpan value) => Typed(name, NpgsqlDbType.Interval, value);

    public override DbParameter TextList(string name, IReadOnlyCollection<string> values) => Typed(name, NpgsqlDbType.Array | NpgsqlDbType.Text, values.ToArray());

    public override string InList(string column, string name) => $"{column} = ANY ({name})";

    public override string Contains(string text, string parameter) => $"strpos({text}, {parameter}) > 0";

    public override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public override TimeSpan ReadDuration(DbDataReader reader, int ordinal) => reader.GetFieldValue<TimeSpan>(ordinal);

    public override bool ReadFlag(DbDataReader reader, int ordinal) => reader.GetBoolean(ordinal);

    public override string JsonText(string column) => column + "::text";

    public override string JsonValue(string parameter) => parameter + "::json";

    /// <summary>A transaction-scoped advisory lock on (<paramref name="space"/>, hash of <paramref name="key"/>), held to commit.</summary>
    public override SqlStatement Serialize(LockSpace space, string key) =>
        new("SELECT pg_advisory_xact_lock(@space, hashtext(@key))", [Int("space", (int)space), Text("key", key)]);

    /// <summary>
    /// Oldest due first, with the same rules as every store's claim: an exclusive run waits while another run of its task
    /// runs and only the first queued exclusive run of a task is a candidate; likewise for all tasks anchored to one
    /// thread with one provider. SKIP LOCKED hands each node different runs without waiting. Locking the candidates'
    /// task rows too (skipping tasks another claimer holds) makes two nodes' claims of one task's runs take turns, so
    /// neither decides "no sibling is running" on a snapshot that the other is changing; a run another node claimed
    /// since this statement's snapshot is re-checked on its committed row (no longer queued) and skipped.
    /// <para>
    /// The claim must walk <c>runs_queued</c> in its order and stop at <c>@limit</c> eligible runs. When the statistics
    /// say the queue is short — a fresh table, or a burst into a table whose runs are mostly finished — the planner
    /// prefers a bitmap scan of every due run, the eligibility checks on each, and a sort: with 4,000 due runs a claim
    /// of one read 33,000 buffers (28 ms) where the ordered scan reads a few dozen. Bitmap scans are off for this
    /// statement's transaction only (<c>SET LOCAL</c>, sent in the same round trip); every other path is the planner's.
    /// </para>
    /// </summary>
    public override string Claim(string leaseUntil) => $"""
        SET LOCAL enable_bitmapscan = off;
        WITH candidates AS (
            SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id
            WHERE r.status = 'queued' AND r.not_before <= @now
              AND (NOT r.exclusive OR (
                   NOT EXISTS (SELECT 1 FROM runs o WHERE o.task_id = r.task_id AND o.status = 'running')
                   AND r.id = (SELECT q.id FROM runs q WHERE q.task_id = r.task_id AND q.status = 'queued' AND q.exclusive
                               ORDER BY q.not_before, q.id LIMIT 1)))
              AND (t.thread IS NULL OR (
                   NOT EXISTS (SELECT 1 FROM runs o JOIN tasks ot ON ot.id = o.task_id
                               WHERE o.status = 'running' AND ot.thread = t.thread AND ot.agent_provider = t.agent_provider)
                   AND r.id = (SELECT q.id FROM runs q JOIN tasks qt ON qt.id = q.task_id
                               WHERE q.status = 'queued' AND q.not_before <= @now
                                 AND qt.thread = t.thread AND qt.agent_provider = t.agent_provider
                               ORDER BY q.not_before, q.id LIMIT 1)))
            ORDER BY r.not_before, r.id
            LIMIT @limit
            FOR UPDATE OF r SKIP LOCKED
            FOR NO KEY UPDATE OF t SKIP LOCKED)
        UPDATE runs SET status = 'running', lease_owner = @owner, node = @owner, lease_expires_at = {leaseUntil}, started_at = @now,
            host = NULL, pid = NULL, pid_identity = NULL
        FROM candidates WHERE runs.id = candidates.id
        RETURNING {Rows.RunColumnsOfRuns}
        """;

    /// <summary>All of the entries in one statement (arrays unnested with their order).</summary>
    public override IEnumerable<SqlStatement> InsertLogs(string runId, IReadOnlyList<NewRunLogEvent> events) =>
        [new(
            """
            INSERT INTO run_logs (run_id, seq, at, attempt, type, data)
            SELECT @run, (SELECT COALESCE(MAX(seq), 0) FROM run_logs WHERE run_id = @run) + e.n, e.at, e.attempt, e.type, e.data::json
            FROM unnest(@at, @attempt, @type, @data) WITH ORDINALITY AS e (at, attempt, type, data, n)
            """,
            [
                Text("run", runId),
                Typed("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, events.Select(e => e.At.UtcDateTime).ToArray()),
                Typed("attempt", NpgsqlDbType.Array | NpgsqlDbType.Integer, events.Select(e => e.Attempt).ToArray()),
                Typed("type", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.Type).ToArray()),
                Typed("data", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.Data.GetRawText()).ToArray()),
            ])];

    /// <summary>On the database clock: the server's time plus the lease's length (only the length comes from the node).</summary>
    public override (string Sql, DbParameter[] Parameters) LeaseUntil(DateTimeOffset now, DateTimeOffset leaseUntil) => clock == LeaseClock.Database
        ? ("clock_timestamp() + @lease_for", [Duration("lease_for", leaseUntil - now)])
        : base.LeaseUntil(now, leaseUntil);

    public override (string Sql, DbParameter[] Parameters) LeaseNow(DateTimeOffset now, string name = "lease_now") => clock == LeaseClock.Database
        ? ("clock_timestamp()", [])
        : base.LeaseNow(now, name);

    /// <summary>On the database clock: the caller's now plus the time the server says is left, so the reaper sleeps the right time however far the node's clock is off.</summary>
    public override async Task<DateTimeOffset?> NextLeaseExpiryAsync(DbConnection connection, DateTimeOffset callerNow, CancellationToken cancellationToken)
    {
        if (clock != LeaseClock.Database)
        {
            return await base.NextLeaseExpiryAsync(connection, callerNow, cancellationToken);
        }

        var left = (await QueryAsync(
            connection,
            "SELECT MIN(lease_expires_at) - clock_timestamp() FROM runs WHERE status = 'running'",
            [],
            r => r.IsDBNull(0) ? (TimeSpan?)null : r.GetFieldValue<TimeSpan>(0),
            cancellationToken)).FirstOrDefault();
        return left is { } l ? callerNow + l : null;
    }

    public override (string Sql, DbParameter[] Parameters) AsCallerTime(string column, DateTimeOffset callerNow) => clock == LeaseClock.Database
        ? ($"@caller_now - clock_timestamp() + {column}", [Instant("caller_now", callerNow)])
        : base.AsCallerTime(column, callerNow);

    public override bool Violates(DbException error, UniqueKey key) =>
        error is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg && pg.ConstraintName == key switch
        {
            UniqueKey.TaskSlug => "tasks_slug_key",
            UniqueKey.RunOccurrence => "runs_occurrence_key",
            _ => throw new ArgumentOutOfRangeException(nameof(key), key, null),
        };

    public override bool IsMissingParent(DbException error) => error is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };

    private static NpgsqlParameter Typed(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };
}
