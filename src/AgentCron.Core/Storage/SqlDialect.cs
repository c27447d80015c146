using System.Data.Common;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

/// <summary>
/// What one database does differently from the others, and nothing else: how a value of each kind is bound and read
/// back, how a command is made, the statements whose locking or planning differ, which clock judges leases, and what its
/// errors mean. The store flows (<see cref="SqlStore"/>) are written once over ADO.NET against this class, as
/// Quartz.NET's <c>StdAdoDelegate</c> is over its <c>SQLiteDelegate</c> and <c>PostgreSQLDelegate</c>. Every statement
/// names its parameters <c>@name</c>; the factories below take the bare name.
/// </summary>
public abstract class SqlDialect
{
    public abstract DbParameter Text(string name, string? value);

    public abstract DbParameter Int(string name, int? value);

    public abstract DbParameter Long(string name, long? value);

    public abstract DbParameter Flag(string name, bool value);

    public abstract DbParameter Decimal(string name, decimal? value);

    /// <summary>An instant, kept exactly to the microsecond.</summary>
    public abstract DbParameter Instant(string name, DateTimeOffset? value);

    /// <summary>A duration (timeout, catch-up, jitter), kept to the millisecond at least.</summary>
    public abstract DbParameter Duration(string name, TimeSpan value);

    /// <summary>A list of texts for <see cref="InList"/>.</summary>
    public abstract DbParameter TextList(string name, IReadOnlyCollection<string> values);

    /// <summary>The predicate "<paramref name="column"/> is one of the texts in the list parameter <paramref name="name"/>".</summary>
    public abstract string InList(string column, string name);

    /// <summary>A non-null instant column.</summary>
    public abstract DateTimeOffset ReadInstant(DbDataReader reader, int ordinal);

    /// <summary>A non-null duration column.</summary>
    public abstract TimeSpan ReadDuration(DbDataReader reader, int ordinal);

    /// <summary>A non-null true/false column.</summary>
    public abstract bool ReadFlag(DbDataReader reader, int ordinal);

    /// <summary>The predicate "the text <paramref name="text"/> contains the text parameter <paramref name="parameter"/>" (no wildcards).</summary>
    public abstract string Contains(string text, string parameter);

    /// <summary>A JSON column, selected so that it reads as text.</summary>
    public virtual string JsonText(string column) => column;

    /// <summary>A JSON text parameter as the column's type takes it.</summary>
    public virtual string JsonValue(string parameter) => parameter;

    /// <summary>
    /// Appended to a SELECT of rows that the same transaction will write back: locks them until it ends where several
    /// writers can interleave (PostgreSQL), nothing where writes are serialised anyway (SQLite).
    /// </summary>
    public virtual string ForUpdate => "";

    /// <summary>As <see cref="ForUpdate"/>, skipping rows another transaction holds instead of waiting for them.</summary>
    public virtual string ForUpdateSkipLocked => "";

    /// <summary>
    /// The statement that makes the writes of a transaction that name <paramref name="key"/> in <paramref name="space"/>
    /// take turns with other transactions doing the same until it ends (an advisory lock where writers interleave), or
    /// null where they cannot interleave.
    /// </summary>
    public virtual SqlStatement? Serialize(LockSpace space, string key) => null;

    /// <summary>Runs <see cref="Serialize"/> now, part of the caller's transaction.</summary>
    public Task SerializeAsync(DbConnection connection, LockSpace space, string key, CancellationToken cancellationToken) =>
        Serialize(space, key) is { } statement ? ExecuteAsync(connection, statement.Sql, statement.Parameters, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The claim of queued runs: at most <c>@limit</c> due at <c>@now</c>, oldest first, marked running for <c>@owner</c>
    /// until <paramref name="leaseUntil"/>, returning <see cref="Rows.RunColumns"/> (an exclusive task's runs, and the runs
    /// of one chat thread per provider, never two at once).
    /// </summary>
    public abstract string Claim(string leaseUntil);

    /// <summary>Due active tasks (<c>next_fire_at &lt;= @now</c>), the earliest first, at most <c>@limit</c>, to be planned in this transaction.</summary>
    public abstract string DueTasks { get; }

    /// <summary>The earliest <c>next_fire_at</c> of an active task.</summary>
    public abstract string NextFireAt { get; }

    /// <summary>Runs whose lease ran out before <paramref name="expiredBefore"/>, the longest expired first, at most <c>@limit</c>.</summary>
    public virtual string ExpiredRuns(string expiredBefore) => $"""
        SELECT {Rows.RunColumns} FROM runs WHERE status = 'running' AND lease_expires_at < {expiredBefore}
        ORDER BY lease_expires_at LIMIT @limit{ForUpdateSkipLocked}
        """;

    /// <summary>The earliest <c>not_before</c> of a queued run; with <paramref name="after"/>, the earliest after <c>@after</c>.</summary>
    public string NextQueuedAt(bool after) =>
        $"SELECT MIN(not_before) FROM {QueuedRuns} WHERE status = 'queued'{(after ? " AND not_before > @after" : "")}";

    /// <summary>
    /// The runs table as the queued-runs queries name it. Two statements rather than one with <c>@after IS NULL OR …</c>:
    /// a prepared statement's generic plan cannot use the index bound for a condition that may be switched off.
    /// </summary>
    protected virtual string QueuedRuns => "runs";

    /// <summary>
    /// The statements that append a run's log entries after its last one (each numbered from the run's highest seq, read
    /// by the statement itself; the caller makes appends to one run take turns). By default one prepared statement per
    /// entry; a dialect that can send them in one statement does.
    /// </summary>
    public virtual IEnumerable<SqlStatement> InsertLogs(string runId, IReadOnlyList<NewRunLogEvent> events) =>
        events.Select(entry => new SqlStatement(
            $"""
            INSERT INTO run_logs (run_id, seq, at, attempt, type, data)
            VALUES (@run, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_logs WHERE run_id = @run), @at, @attempt, @type, {JsonValue("@data")})
            """,
            [Text("run", runId), Instant("at", entry.At), Int("attempt", entry.Attempt), Text("type", entry.Type), Text("data", entry.Data.GetRawText())]));

    /// <summary>Which clock judges leases and heartbeats. The caller's, unless a dialect can use the database's.</summary>
    public virtual LeaseClock LeaseClock => LeaseClock.Caller;

    /// <summary>
    /// The SQL instant a lease that the caller wants until <paramref name="leaseUntil"/> (on its clock, read at
    /// <paramref name="now"/>) runs out, and the parameters it needs.
    /// </summary>
    public virtual (string Sql, DbParameter[] Parameters) LeaseUntil(DateTimeOffset now, DateTimeOffset leaseUntil) =>
        ("@lease_until", [Instant("lease_until", leaseUntil)]);

    /// <summary>
    /// The SQL instant against which leases are judged and heartbeats written — the caller's <paramref name="now"/> as
    /// the parameter <paramref name="name"/>, or the database's clock — and its parameters.
    /// </summary>
    public virtual (string Sql, DbParameter[] Parameters) LeaseNow(DateTimeOffset now, string name = "lease_now") => ("@" + name, [Instant(name, now)]);

    /// <summary>The earliest lease expiry of a running run, on the caller's clock (<paramref name="callerNow"/>).</summary>
    public virtual async Task<DateTimeOffset?> NextLeaseExpiryAsync(DbConnection connection, DateTimeOffset callerNow, CancellationToken cancellationToken) =>
        await InstantAsync(connection, "SELECT MIN(lease_expires_at) FROM runs WHERE status = 'running'", [], cancellationToken);

    /// <summary>
    /// An instant column as the caller's clock sees it, and the parameters that needs: as stored on the caller's clock; on
    /// the database's, the caller's now minus how long ago it was on the server.
    /// </summary>
    public virtual (string Sql, DbParameter[] Parameters) AsCallerTime(string column, DateTimeOffset callerNow) => (column, []);

    /// <summary>True when <paramref name="error"/> is a violation of <paramref name="key"/>.</summary>
    public abstract bool Violates(DbException error, UniqueKey key);

    /// <summary>True when <paramref name="error"/> is a row naming a parent that does not exist (a run whose task is gone).</summary>
    public abstract bool IsMissingParent(DbException error);

    /// <summary>A command for <paramref name="sql"/> on <paramref name="connection"/>; given back through <see cref="ReleaseAsync"/>.</summary>
    protected virtual DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>Gives back a command from <see cref="Command"/> (a dialect that keeps commands per connection keeps it).</summary>
    protected virtual ValueTask ReleaseAsync(DbCommand command) => command.DisposeAsync();

    public async Task<List<T>> QueryAsync<T>(DbConnection connection, string sql, IReadOnlyList<DbParameter> parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var command = Prepare(connection, sql, parameters);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(read(reader));
            }

            return rows;
        }
        finally
        {
            await ReleaseAsync(command);
        }
    }

    public async Task<int> ExecuteAsync(DbConnection connection, string sql, IReadOnlyList<DbParameter> parameters, CancellationToken cancellationToken)
    {
        var command = Prepare(connection, sql, parameters);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await ReleaseAsync(command);
        }
    }

    /// <summary>
    /// Runs <paramref name="statements"/> in order, part of the caller's transaction: in one round trip where the driver
    /// can batch (ADO.NET's <see cref="DbBatch"/>), else one after the other. Returns the rows they changed in all.
    /// </summary>
    public async Task<int> ExecuteBatchAsync(DbConnection connection, IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        if (!connection.CanCreateBatch || statements.Count == 1)
        {
            var changed = 0;
            foreach (var statement in statements)
            {
                changed += await ExecuteAsync(connection, statement.Sql, statement.Parameters, cancellationToken);
            }

            return changed;
        }

        await using var batch = Batch(connection, statements);
        return await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="queries"/> in order, part of the caller's transaction, and hands each one's rows to its reader:
    /// in one round trip where the driver can batch, else one after the other.
    /// </summary>
    public async Task QueryBatchAsync(DbConnection connection, IReadOnlyList<(SqlStatement Statement, Action<DbDataReader> Read)> queries, CancellationToken cancellationToken)
    {
        if (!connection.CanCreateBatch)
        {
            foreach (var (statement, read) in queries)
            {
                await QueryAsync(connection, statement.Sql, statement.Parameters, r => { read(r); return true; }, cancellationToken);
            }

            return;
        }

        await using var batch = Batch(connection, [.. queries.Select(q => q.Statement)]);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        foreach (var (_, read) in queries)
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                read(reader);
            }

            await reader.NextResultAsync(cancellationToken);
        }
    }

    /// <summary>The first column of the first row as a whole number (a count), 0 when there is none.</summary>
    public async Task<long> CountAsync(DbConnection connection, string sql, IReadOnlyList<DbParameter> parameters, CancellationToken cancellationToken) =>
        (await QueryAsync(connection, sql, parameters, r => r.IsDBNull(0) ? 0 : Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), cancellationToken)).FirstOrDefault();

    /// <summary>The first column of the first row as an instant, null when there is none or it is NULL.</summary>
    public async Task<DateTimeOffset?> InstantAsync(DbConnection connection, string sql, IReadOnlyList<DbParameter> parameters, CancellationToken cancellationToken) =>
        (await QueryAsync(connection, sql, parameters, r => r.IsDBNull(0) ? (DateTimeOffset?)null : ReadInstant(r, 0), cancellationToken)).FirstOrDefault();

    private static DbBatch Batch(DbConnection connection, IEnumerable<SqlStatement> statements)
    {
        var batch = connection.CreateBatch();
        foreach (var statement in statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = statement.Sql;
            command.Parameters.AddRange(statement.Parameters.ToArray());
            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    private DbCommand Prepare(DbConnection connection, string sql, IReadOnlyList<DbParameter> parameters)
    {
        var command = Command(connection, sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }
}

/// <summary>A statement with its parameters, to run with others (<see cref="SqlDialect.ExecuteBatchAsync"/>).</summary>
public sealed record SqlStatement(string Sql, IReadOnlyList<DbParameter> Parameters);

/// <summary>The unique keys whose violation a store turns into a <see cref="ConflictException"/>.</summary>
public enum UniqueKey
{
    /// <summary>Two tasks with one slug.</summary>
    TaskSlug,

    /// <summary>Two runs of one occurrence of a task.</summary>
    RunOccurrence,
}

/// <summary>What a <see cref="SqlDialect.SerializeAsync"/> key names.</summary>
public enum LockSpace
{
    /// <summary>The follow-ups a run creates (counted against its limit one after the other).</summary>
    FollowUps = 0x41430001,

    /// <summary>The log of a run (sequence numbers never collide and commit in order).</summary>
    RunLogs = 0x41430002,
}

/// <summary>Which clock judges leases: when one is written to run out, and whether it has.</summary>
public enum LeaseClock
{
    /// <summary>
    /// The instants the caller passes (<c>now</c>, <c>leaseUntil</c>): one machine, one clock (SQLite), and the store
    /// compliance suite, which drives time explicitly.
    /// </summary>
    Caller,

    /// <summary>
    /// The database server's clock (PostgreSQL in production). A lease is written as the server's time plus its length
    /// (the caller's <c>leaseUntil - now</c>) and is expired when the server's clock passes it, so a node whose clock is
    /// off neither steals live leases (clock ahead) nor keeps dead ones (clock behind). Only lengths come from the node.
    /// </summary>
    Database,
}
