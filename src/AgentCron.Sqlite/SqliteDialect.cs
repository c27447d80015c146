using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentCron.Core.Storage;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

/// <summary>
/// SQLite's side of the store flows. Instants are integer microseconds since the Unix epoch, durations integer
/// milliseconds, flags 0/1. Writes are serialised by the single writer (<see cref="SqliteDatabase"/>), so nothing is
/// locked row by row. Commands are compiled once per connection and kept with it.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    /// <summary>SQLITE_CONSTRAINT: a unique or foreign key refused the row.</summary>
    private const int Constraint = 19;

    /// <summary>SQLITE_CONSTRAINT_FOREIGNKEY: an insert whose parent row is gone.</summary>
    private const int ForeignKeyFailed = 787;

    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> Prepared = new();

    public static SqliteDialect Instance { get; } = new();

    /// <summary>
    /// The planner's query, answered from the partial index <c>tasks_due</c> so its cost follows what is due. Without
    /// statistics SQLite prefers <c>tasks_status</c> and sorts every active task, hence INDEXED BY (a test checks the plan).
    /// </summary>
    public override string DueTasks => $"SELECT {Rows.TaskColumns} FROM tasks INDEXED BY tasks_due WHERE status = 'active' AND next_fire_at IS NOT NULL AND next_fire_at <= @now ORDER BY next_fire_at LIMIT @limit";

    /// <summary>The engine's next wake-up, read from the first entry of <c>tasks_due</c> for the same reason.</summary>
    public override string NextFireAt => "SELECT MIN(next_fire_at) FROM tasks INDEXED BY tasks_due WHERE status = 'active' AND next_fire_at IS NOT NULL";

    protected override string QueuedRuns => "runs INDEXED BY runs_queued";

    public static long Micros(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset Instant(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    public override DbParameter Text(string name, string? value) => Parameter(name, SqliteType.Text, value);

    public override DbParameter Int(string name, int? value) => Parameter(name, SqliteType.Integer, value);

    public override DbParameter Long(string name, long? value) => Parameter(name, SqliteType.Integer, value);

    public override DbParameter Flag(string name, bool value) => Parameter(name, SqliteType.Integer, value ? 1 : 0);

    public override DbParameter Decimal(string name, decimal? value) => Parameter(name, SqliteType.Real, value);

    public override DbParameter Instant(string name, DateTimeOffset? value) => Parameter(name, SqliteType.Integer, value is { } v ? Micros(v) : null);

    public override DbParameter Duration(string name, TimeSpan value) => Parameter(name, SqliteType.Integer, (long)value.TotalMilliseconds);

    public override DbParameter TextList(string name, IReadOnlyCollection<string> values) => Parameter(name, SqliteType.Text, JsonSerializer.Serialize(values));

    public override string InList(string column, string name) => $"{column} IN (SELECT value FROM json_each({name}))";

    public override string Contains(string text, string parameter) => $"instr({text}, {parameter}) > 0";

    public override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => Instant(reader.GetInt64(ordinal));

    public override TimeSpan ReadDuration(DbDataReader reader, int ordinal) => TimeSpan.FromMilliseconds(reader.GetInt64(ordinal));

    public override bool ReadFlag(DbDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;

    // Oldest due first. An exclusive run waits while another run of its task runs, and only the first queued exclusive
    // run of a task is a candidate, so one claim never takes two runs of a task that must not overlap. The same holds for
    // the runs of all tasks anchored to one chat thread with one provider: they continue one agent session, and two
    // attempts never drive a session at once. INDEXED BY: without statistics SQLite would pick runs_status and sort the
    // whole backlog on every claim (25 ms at 20,000 queued runs).
    public override string Claim(string leaseUntil) => $"""
        UPDATE runs SET status = 'running', lease_owner = @owner, node = @owner, lease_expires_at = {leaseUntil}, started_at = @now,
            host = NULL, pid = NULL, pid_identity = NULL
        WHERE id IN (
            SELECT r.id FROM runs r INDEXED BY runs_queued JOIN tasks t ON t.id = r.task_id
            WHERE r.status = 'queued' AND r.not_before <= @now
              AND (r.exclusive = 0 OR (
                   NOT EXISTS (SELECT 1 FROM runs o WHERE o.task_id = r.task_id AND o.status = 'running')
                   AND r.id = (SELECT q.id FROM runs q WHERE q.task_id = r.task_id AND q.status = 'queued' AND q.exclusive = 1
                               ORDER BY q.not_before, q.id LIMIT 1)))
              AND (t.thread IS NULL OR (
                   NOT EXISTS (SELECT 1 FROM runs o INDEXED BY runs_running JOIN tasks ot ON ot.id = o.task_id
                               WHERE o.status = 'running' AND ot.thread = t.thread AND ot.agent_provider = t.agent_provider)
                   AND r.id = (SELECT q.id FROM runs q INDEXED BY runs_queued JOIN tasks qt ON qt.id = q.task_id
                               WHERE q.status = 'queued' AND q.not_before <= @now
                                 AND qt.thread = t.thread AND qt.agent_provider = t.agent_provider
                               ORDER BY q.not_before, q.id LIMIT 1)))
            ORDER BY r.not_before, r.id
            LIMIT @limit)
        RETURNING {Rows.RunColumns}
        """;

    public override bool Violates(DbException error, UniqueKey key) =>
        error is SqliteException { SqliteErrorCode: Constraint } sqlite && sqlite.Message.Contains(
            key switch
            {
                UniqueKey.TaskSlug => "tasks.slug",
                UniqueKey.RunOccurrence => "runs.task_id, runs.occurrence",
                _ => throw new ArgumentOutOfRangeException(nameof(key), key, null),
            },
            StringComparison.Ordinal);

    public override bool IsMissingParent(DbException error) => error is SqliteException { SqliteExtendedErrorCode: ForeignKeyFailed };

    /// <summary>
    /// The connection's command for <paramref name="sql"/>, created once and kept with the connection, so SQLite compiles
    /// each statement once per connection instead of on every call (the writer connection lives as long as the daemon).
    /// Its parameters are cleared for the caller. A connection is only ever used by one caller at a time.
    /// </summary>
    protected override DbCommand Command(DbConnection connection, string sql)
    {
        var commands = Prepared.GetValue(connection, _ => new Dictionary<string, DbCommand>(StringComparer.Ordinal));
        if (!commands.TryGetValue(sql, out var command))
        {
            command = base.Command(connection, sql);
            commands[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    /// <summary>Runs a statement without parameters or results (BEGIN, SAVEPOINT, PRAGMA), compiled once per connection.</summary>
    public void Execute(DbConnection connection, string sql) => Command(connection, sql).ExecuteNonQuery();

    /// <summary>Kept with its connection for the next call (<see cref="Command"/>).</summary>
    protected override ValueTask ReleaseAsync(DbCommand command) => ValueTask.CompletedTask;

    private static SqliteParameter Parameter(string name, SqliteType type, object? value) =>
        new("@" + name, type) { Value = value ?? DBNull.Value };
}
