using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Npgsql;

namespace AgentCron.Postgres;

internal sealed class PostgresRunStore(PostgresDatabase db, Leases leases) : IRunStore
{
    private const string Insert = $"""
        INSERT INTO runs ({Rows.RunColumns})
        VALUES (@id, @task_id, @occurrence, @trigger, @scheduled_for, @not_before, @attempt, @status, @exclusive,
                @lease_owner, @lease_expires_at, @cancel_requested, @created_at, @started_at, @finished_at, @agent, @model,
                @session_id, @exit_code, @output, @summary, @error, @host, @pid, @pid_identity, @input_tokens, @output_tokens,
                @cost_usd)
        """;

    private const string UpdateState = """
        UPDATE runs SET not_before = @not_before, attempt = @attempt, status = @status, lease_owner = @lease_owner,
            lease_expires_at = @lease_expires_at, cancel_requested = @cancel_requested, started_at = @started_at,
            finished_at = @finished_at, agent = @agent, model = @model, session_id = @session_id, exit_code = @exit_code,
            output = @output, summary = @summary, error = @error, host = @host, pid = @pid, pid_identity = @pid_identity,
            input_tokens = @input_tokens, output_tokens = @output_tokens, cost_usd = @cost_usd
        WHERE id = @id
        """;

    /// <summary>
    /// Oldest due first, with the same rules as SQLite's claim: an exclusive run waits while another run of its task runs
    /// and only the first queued exclusive run of a task is a candidate; likewise for all tasks anchored to one thread
    /// with one provider. SKIP LOCKED hands each node different runs without waiting. Locking the candidates' task rows
    /// too (skipping tasks another claimer holds) makes two nodes' claims of one task's runs take turns, so neither
    /// decides "no sibling is running" on a snapshot that the other is changing; a run another node claimed since this
    /// statement's snapshot is re-checked on its committed row (no longer queued) and skipped.
    /// </summary>
    private static string Claim(string leaseUntil) => $"""
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
        UPDATE runs SET status = 'running', lease_owner = @owner, lease_expires_at = {leaseUntil}, started_at = @now,
            host = NULL, pid = NULL, pid_identity = NULL
        FROM candidates WHERE runs.id = candidates.id
        RETURNING {Rows.RunColumnsOfRuns}
        """;

    public Task<TaskRun?> FindAsync(string runId, CancellationToken cancellationToken) =>
        db.ReadAsync((connection, ct) => FindAsync(connection, runId, false, ct), cancellationToken);

    public Task<Page<TaskRun>> ListAsync(RunQuery query, CancellationToken cancellationToken) =>
        db.ReadAsync(async (connection, ct) =>
        {
            var rows = await Sql.QueryAsync(
                connection,
                $"""
                SELECT {Rows.RunColumns} FROM runs
                WHERE (@task::text IS NULL OR task_id = @task) AND (@status::text IS NULL OR status = @status)
                  AND (@cursor::text IS NULL OR id < @cursor)
                ORDER BY id DESC LIMIT @limit
                """,
                [
                    Sql.Text("task", query.TaskId),
                    Sql.Text("status", query.Status is { } s ? EnumText.ToText(s) : null),
                    Sql.Text("cursor", query.Cursor),
                    Sql.Int("limit", query.Limit + 1),
                ],
                Rows.ReadRun,
                ct);
            return Paging.Page(rows, query.Limit, r => r.Id);
        }, cancellationToken);

    public Task InsertAsync(TaskRun run, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            await InsertRunAsync(write.Connection, run, false, ct);
            write.WakeOtherNodes();
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<ClaimedRun>>(async (write, ct) =>
        {
            var (until, lease) = leases.Until(now, leaseUntil);
            var runs = await Sql.QueryAsync(
                write.Connection,
                Claim(until),
                [Sql.Text("owner", owner), Sql.Time("now", now), Sql.Int("limit", limit), lease],
                Rows.ReadRun,
                ct);
            // RETURNING has no order of its own.
            runs = [.. runs.OrderBy(r => r.NotBefore).ThenBy(r => r.Id, StringComparer.Ordinal)];
            return await WithTasksAsync(write.Connection, runs, ct);
        }, cancellationToken);

    public Task<DateTimeOffset?> NextQueuedAtAsync(DateTimeOffset? after, CancellationToken cancellationToken) =>
        db.ReadAsync(
            (connection, ct) => Sql.ScalarAsync<DateTimeOffset?>(
                connection,
                "SELECT MIN(not_before) FROM runs WHERE status = 'queued' AND (@after::timestamptz IS NULL OR not_before > @after)",
                [Sql.Time("after", after)],
                ct),
            cancellationToken);

    public Task SetProcessAsync(string runId, int attempt, string owner, string host, int pid, string? identity, CancellationToken cancellationToken) =>
        db.WriteAsync(
            (write, ct) => Sql.ExecuteAsync(
                write.Connection,
                "UPDATE runs SET host = @host, pid = @pid, pid_identity = @identity WHERE id = @id AND attempt = @attempt AND lease_owner = @owner AND status = 'running'",
                [Sql.Text("host", host), Sql.Int("pid", pid), Sql.Text("identity", identity), Sql.Text("id", runId), Sql.Int("attempt", attempt), Sql.Text("owner", owner)],
                ct),
            cancellationToken);

    public Task<IReadOnlyList<LeaseState>> RenewLeasesAsync(string owner, IReadOnlyCollection<string> runIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        runIds.Count == 0 ? Task.FromResult<IReadOnlyList<LeaseState>>([]) : db.WriteAsync<IReadOnlyList<LeaseState>>(async (write, ct) =>
        {
            var (until, lease) = leases.Until(leaseUntil);
            return await Sql.QueryAsync(
                write.Connection,
                $"""
                UPDATE runs SET lease_expires_at = {until}
                WHERE lease_owner = @owner AND status = 'running' AND id = ANY (@ids)
                RETURNING id, cancel_requested
                """,
                [Sql.Text("owner", owner), Sql.TextArray("ids", runIds), lease],
                r => new LeaseState(r.GetString(0), r.GetBoolean(1)),
                ct);
        }, cancellationToken);

    public Task<bool> CompleteAsync(string runId, int attempt, string owner, Func<ClaimedRun, Completion> decide, IReadOnlyList<NewRunLogEvent> logTail, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            // Fencing: the row is locked only if this owner still holds this attempt; a recovery or a takeover that
            // committed first has changed one of them, and the result is dropped. Once locked, neither can come between.
            var run = (await Sql.QueryAsync(
                write.Connection,
                $"SELECT {Rows.RunColumns} FROM runs WHERE id = @id AND status = 'running' AND attempt = @attempt AND lease_owner = @owner FOR NO KEY UPDATE",
                [Sql.Text("id", runId), Sql.Int("attempt", attempt), Sql.Text("owner", owner)],
                Rows.ReadRun,
                ct)).FirstOrDefault();
            if (run is null)
            {
                return false;
            }

            var task = (await PostgresTaskStore.LockAsync(write.Connection, run.TaskId, ct))!;
            await WriteAsync(write, decide(new ClaimedRun(run, task)), ct);
            await PostgresRunLogStore.AppendAsync(write.Connection, runId, logTail, ct);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<TaskRun>> RecoverExpiredAsync(DateTimeOffset now, int limit, Func<ClaimedRun, Completion?> recover, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<TaskRun>>(async (write, ct) =>
        {
            // SKIP LOCKED: a run whose owner is completing or renewing it right now is left to that owner; if its lease
            // is still expired afterwards, the next pass takes it.
            var (expiredBefore, clock) = leases.Now(now);
            var expired = await Sql.QueryAsync(
                write.Connection,
                $"""
                SELECT {Rows.RunColumns} FROM runs WHERE status = 'running' AND lease_expires_at < {expiredBefore}
                ORDER BY lease_expires_at LIMIT @limit
                FOR NO KEY UPDATE SKIP LOCKED
                """,
                [.. clock, Sql.Int("limit", limit)],
                Rows.ReadRun,
                ct);
            var recovered = new List<TaskRun>(expired.Count);
            foreach (var claimed in await WithTasksAsync(write.Connection, expired, ct))
            {
                if (recover(claimed) is not { } completion)
                {
                    continue;
                }

                await WriteAsync(write, completion, ct);
                await PostgresRunLogStore.AppendAsync(write.Connection, claimed.Run.Id, [CompletionPolicy.AbandonedEntry(claimed.Run, completion.Run, now)], ct);
                recovered.Add(claimed.Run);
            }

            return recovered;
        }, cancellationToken);

    public Task<DateTimeOffset?> NextLeaseExpiryAsync(CancellationToken cancellationToken) =>
        db.ReadAsync(leases.NextExpiryAsync, cancellationToken);

    public Task<TaskRun?> CancelAsync(string runId, DateTimeOffset now, Func<ClaimedRun, Completion> finish, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            var run = await FindAsync(write.Connection, runId, true, ct);
            switch (run?.Status)
            {
                case RunStatus.Queued:
                    var completion = finish(new ClaimedRun(run, (await PostgresTaskStore.LockAsync(write.Connection, run.TaskId, ct))!));
                    await WriteAsync(write, completion, ct);
                    return completion.Run;
                case RunStatus.Running:
                    await Sql.ExecuteAsync(write.Connection, "UPDATE runs SET cancel_requested = true WHERE id = @id", [Sql.Text("id", runId)], ct);
                    return run with { CancelRequested = true };
                default:
                    return run;
            }
        }, cancellationToken);

    public Task<IReadOnlyList<TaskRun>> ActiveRunsAsync(string taskId, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<TaskRun>>(
            async (connection, ct) => await Sql.QueryAsync(
                connection,
                $"SELECT {Rows.RunColumns} FROM runs WHERE task_id = @task AND status IN ('queued', 'running') ORDER BY id",
                [Sql.Text("task", taskId)],
                Rows.ReadRun,
                ct),
            cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset olderThan, int keepPerTask, int batchSize, CancellationToken cancellationToken) =>
        db.WriteAsync(
            (write, ct) => Sql.ExecuteAsync(
                write.Connection,
                """
                DELETE FROM runs WHERE id IN (
                    SELECT id FROM (
                        SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < @cutoff
                        UNION
                        SELECT id FROM (
                            SELECT id, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY finished_at DESC, id DESC) AS n
                            FROM runs WHERE finished_at IS NOT NULL) ranked
                        WHERE n > @keep) doomed
                    LIMIT @batch)
                """,
                [Sql.Time("cutoff", olderThan), Sql.Int("keep", keepPerTask), Sql.Int("batch", batchSize)],
                ct),
            cancellationToken);

    internal static async Task<TaskRun?> FindAsync(NpgsqlConnection connection, string runId, bool forUpdate, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(
            connection,
            $"SELECT {Rows.RunColumns} FROM runs WHERE id = @id" + (forUpdate ? " FOR NO KEY UPDATE" : ""),
            [Sql.Text("id", runId)],
            Rows.ReadRun,
            cancellationToken)).FirstOrDefault();

    /// <summary>Inserts a run; returns 1, or 0 when <paramref name="ignoreDuplicate"/> and its occurrence already has a run.</summary>
    internal static async Task<int> InsertRunAsync(NpgsqlConnection connection, TaskRun run, bool ignoreDuplicate, CancellationToken cancellationToken)
    {
        try
        {
            return await Sql.ExecuteAsync(connection, ignoreDuplicate ? Insert + " ON CONFLICT ON CONSTRAINT runs_occurrence_key DO NOTHING" : Insert, Rows.RunParameters(run), cancellationToken);
        }
        catch (PostgresException ex) when (ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "runs_occurrence_key" })
        {
            throw new ConflictException($"task '{run.TaskId}' already has a run for occurrence '{run.Occurrence}'");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new NotFoundException($"task '{run.TaskId}' does not exist (any more)");
        }
    }

    internal static async Task<(int Queued, int Running)> ActiveCountsAsync(NpgsqlConnection connection, string taskId, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(
            connection,
            "SELECT COUNT(*) FILTER (WHERE status = 'queued'), COUNT(*) FILTER (WHERE status = 'running') FROM runs WHERE task_id = @task AND status IN ('queued', 'running')",
            [Sql.Text("task", taskId)],
            r => ((int)r.GetInt64(0), (int)r.GetInt64(1)),
            cancellationToken)).Single();

    /// <summary>
    /// Writes a run's new state with its task's runtime fields and session. It wakes the other nodes only when that makes
    /// work for them: a run that goes back to the queue, or one whose end unblocks a queued sibling (of its task, which
    /// may be exclusive, or of its chat thread). A plain success wakes nobody — the finishing node's own dispatcher looks
    /// again anyway, and waking every node on every completion costs each of them a round of reads per run.
    /// </summary>
    private static async Task WriteAsync(PostgresWrite write, Completion completion, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(write.Connection, UpdateState, Rows.RunStateParameters(completion.Run), cancellationToken);
        await PostgresTaskStore.WriteStateAsync(write.Connection, completion.Task with { UpdatedAt = completion.Run.FinishedAt ?? completion.Task.UpdatedAt }, cancellationToken);
        if (completion.Session is { } session)
        {
            await PostgresThreadStore.SaveAsync(write.Connection, session, cancellationToken);
        }

        if (completion.Run.Status == RunStatus.Queued || completion.Task.Thread is not null
            || await Sql.ScalarAsync<bool>(write.Connection, "SELECT EXISTS (SELECT 1 FROM runs WHERE task_id = @task AND status = 'queued')", [Sql.Text("task", completion.Run.TaskId)], cancellationToken))
        {
            write.WakeOtherNodes();
        }
    }

    private static async Task<List<ClaimedRun>> WithTasksAsync(NpgsqlConnection connection, List<TaskRun> runs, CancellationToken cancellationToken)
    {
        var tasks = new Dictionary<string, AgentTask>(StringComparer.Ordinal);
        var claimed = new List<ClaimedRun>(runs.Count);
        foreach (var run in runs)
        {
            if (!tasks.TryGetValue(run.TaskId, out var task))
            {
                task = (await PostgresTaskStore.LockAsync(connection, run.TaskId, cancellationToken))!;
                tasks[run.TaskId] = task;
            }

            claimed.Add(new ClaimedRun(run, task));
        }

        return claimed;
    }
}
