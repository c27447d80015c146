using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

internal sealed class SqliteRunStore(SqliteDatabase db) : IRunStore
{
    /// <summary>SQLITE_CONSTRAINT_FOREIGNKEY: an insert whose task is gone.</summary>
    private const int ForeignKeyFailed = 787;

    private const string Insert = $"""
        INSERT INTO runs ({Rows.RunColumns})
        VALUES ($id, $task_id, $occurrence, $trigger, $scheduled_for, $not_before, $attempt, $status, $exclusive,
                $lease_owner, $lease_expires_at, $cancel_requested, $created_at, $started_at, $finished_at, $agent, $model,
                $session_id, $exit_code, $output, $summary, $error, $host, $pid, $pid_identity, $input_tokens, $output_tokens,
                $cost_usd)
        """;

    private const string UpdateState = """
        UPDATE runs SET not_before = $not_before, attempt = $attempt, status = $status, lease_owner = $lease_owner,
            lease_expires_at = $lease_expires_at, cancel_requested = $cancel_requested, started_at = $started_at,
            finished_at = $finished_at, agent = $agent, model = $model, session_id = $session_id, exit_code = $exit_code,
            output = $output, summary = $summary, error = $error, host = $host, pid = $pid, pid_identity = $pid_identity,
            input_tokens = $input_tokens, output_tokens = $output_tokens, cost_usd = $cost_usd
        WHERE id = $id
        """;

    // Oldest due first. An exclusive run waits while another run of its task runs, and only the first queued exclusive
    // run of a task is a candidate, so one claim never takes two runs of a task that must not overlap. The same holds for
    // the runs of all tasks anchored to one chat thread with one provider: they continue one agent session, and two
    // attempts never drive a session at once. INDEXED BY: without
    // statistics SQLite would pick runs_status and sort the whole backlog on every claim (25 ms at 20,000 queued runs).
    private const string Claim = $"""
        UPDATE runs SET status = 'running', lease_owner = $owner, lease_expires_at = $lease, started_at = $now,
            host = NULL, pid = NULL, pid_identity = NULL
        WHERE id IN (
            SELECT r.id FROM runs r INDEXED BY runs_queued JOIN tasks t ON t.id = r.task_id
            WHERE r.status = 'queued' AND r.not_before <= $now
              AND (r.exclusive = 0 OR (
                   NOT EXISTS (SELECT 1 FROM runs o WHERE o.task_id = r.task_id AND o.status = 'running')
                   AND r.id = (SELECT q.id FROM runs q WHERE q.task_id = r.task_id AND q.status = 'queued' AND q.exclusive = 1
                               ORDER BY q.not_before, q.id LIMIT 1)))
              AND (t.thread IS NULL OR (
                   NOT EXISTS (SELECT 1 FROM runs o INDEXED BY runs_running JOIN tasks ot ON ot.id = o.task_id
                               WHERE o.status = 'running' AND ot.thread = t.thread AND ot.agent_provider = t.agent_provider)
                   AND r.id = (SELECT q.id FROM runs q INDEXED BY runs_queued JOIN tasks qt ON qt.id = q.task_id
                               WHERE q.status = 'queued' AND q.not_before <= $now
                                 AND qt.thread = t.thread AND qt.agent_provider = t.agent_provider
                               ORDER BY q.not_before, q.id LIMIT 1)))
            ORDER BY r.not_before, r.id
            LIMIT $limit)
        RETURNING {Rows.RunColumns}
        """;

    public Task<TaskRun?> FindAsync(string runId, CancellationToken cancellationToken) =>
        db.ReadAsync(connection => Find(connection, runId), cancellationToken);

    public Task<Page<TaskRun>> ListAsync(RunQuery query, CancellationToken cancellationToken) =>
        db.ReadAsync(connection =>
        {
            var rows = Rows.Query(
                connection,
                $"""
                SELECT {Rows.RunColumns} FROM runs
                WHERE ($task IS NULL OR task_id = $task) AND ($status IS NULL OR status = $status)
                  AND ($cursor IS NULL OR id < $cursor)
                ORDER BY id DESC LIMIT $limit
                """,
                c =>
                {
                    c.Parameters.Add("$task", query.TaskId);
                    c.Parameters.Add("$status", query.Status is { } s ? EnumText.ToText(s) : null);
                    c.Parameters.Add("$cursor", query.Cursor);
                    c.Parameters.Add("$limit", query.Limit + 1);
                },
                Rows.ReadRun);
            return Paging.Page(rows, query.Limit, r => r.Id);
        }, cancellationToken);

    public Task InsertAsync(TaskRun run, CancellationToken cancellationToken) =>
        db.WriteAsync(connection => InsertRun(connection, run), cancellationToken);

    public Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<ClaimedRun>>(connection =>
        {
            var runs = Rows.Query(connection, Claim, c =>
            {
                c.Parameters.Add("$owner", owner);
                c.Parameters.Add("$lease", Rows.Micros(leaseUntil));
                c.Parameters.Add("$now", Rows.Micros(now));
                c.Parameters.Add("$limit", limit);
            }, Rows.ReadRun);
            return WithTasks(connection, runs);
        }, cancellationToken);

    public Task<DateTimeOffset?> NextQueuedAtAsync(DateTimeOffset? after, CancellationToken cancellationToken) =>
        db.ReadAsync(
            connection => Rows.ScalarInstant(
                connection,
                "SELECT MIN(not_before) FROM runs INDEXED BY runs_queued WHERE status = 'queued' AND ($after IS NULL OR not_before > $after)",
                c => c.Parameters.Add("$after", Rows.Micros(after))),
            cancellationToken);

    public Task SetProcessAsync(string runId, int attempt, string owner, string host, int pid, string? identity, CancellationToken cancellationToken) =>
        db.WriteAsync(connection => Rows.Execute(
            connection,
            "UPDATE runs SET host = $host, pid = $pid, pid_identity = $identity WHERE id = $id AND attempt = $attempt AND lease_owner = $owner AND status = 'running'",
            c =>
            {
                c.Parameters.Add("$host", host);
                c.Parameters.Add("$pid", pid);
                c.Parameters.Add("$identity", identity);
                c.Parameters.Add("$id", runId);
                c.Parameters.Add("$attempt", attempt);
                c.Parameters.Add("$owner", owner);
            }), cancellationToken);

    public Task<IReadOnlyList<LeaseState>> RenewLeasesAsync(string owner, IReadOnlyCollection<string> runIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        runIds.Count == 0 ? Task.FromResult<IReadOnlyList<LeaseState>>([]) : db.WriteAsync<IReadOnlyList<LeaseState>>(connection => Rows.Query(
            connection,
            """
            UPDATE runs SET lease_expires_at = $lease
            WHERE lease_owner = $owner AND status = 'running' AND id IN (SELECT value FROM json_each($ids))
            RETURNING id, cancel_requested
            """,
            c =>
            {
                c.Parameters.Add("$lease", Rows.Micros(leaseUntil));
                c.Parameters.Add("$owner", owner);
                c.Parameters.Add("$ids", System.Text.Json.JsonSerializer.Serialize(runIds));
            },
            r => new LeaseState(r.GetString(0), r.GetInt64(1) != 0)), cancellationToken);

    public Task<bool> CompleteAsync(string runId, int attempt, string owner, Func<ClaimedRun, Completion> decide, IReadOnlyList<NewRunLogEvent> logTail, CancellationToken cancellationToken) =>
        db.WriteAsync(connection =>
        {
            var run = Find(connection, runId);
            if (run is null || run.Status != RunStatus.Running || run.Attempt != attempt || run.LeaseOwner != owner)
            {
                return false;
            }

            var task = SqliteTaskStore.Find(connection, run.TaskId)!;
            Write(connection, decide(new ClaimedRun(run, task)));
            SqliteRunLogStore.Append(connection, runId, logTail);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<TaskRun>> RecoverExpiredAsync(DateTimeOffset now, int limit, Func<ClaimedRun, Completion?> recover, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<TaskRun>>(connection =>
        {
            var expired = Rows.Query(
                connection,
                $"SELECT {Rows.RunColumns} FROM runs WHERE status = 'running' AND lease_expires_at < $now ORDER BY lease_expires_at LIMIT $limit",
                c =>
                {
                    c.Parameters.Add("$now", Rows.Micros(now));
                    c.Parameters.Add("$limit", limit);
                },
                Rows.ReadRun);
            var recovered = new List<TaskRun>(expired.Count);
            foreach (var claimed in WithTasks(connection, expired))
            {
                if (recover(claimed) is not { } completion)
                {
                    continue;
                }

                Write(connection, completion);
                SqliteRunLogStore.Append(connection, claimed.Run.Id, [CompletionPolicy.AbandonedEntry(claimed.Run, completion.Run, now)]);
                recovered.Add(claimed.Run);
            }

            return recovered;
        }, cancellationToken);

    public Task<DateTimeOffset?> NextLeaseExpiryAsync(CancellationToken cancellationToken) =>
        db.ReadAsync(connection => Rows.ScalarInstant(connection, "SELECT MIN(lease_expires_at) FROM runs WHERE status = 'running'"), cancellationToken);

    public Task<TaskRun?> CancelAsync(string runId, DateTimeOffset now, Func<ClaimedRun, Completion> finish, CancellationToken cancellationToken) =>
        db.WriteAsync(connection =>
        {
            var run = Find(connection, runId);
            switch (run?.Status)
            {
                case RunStatus.Queued:
                    var completion = finish(new ClaimedRun(run, SqliteTaskStore.Find(connection, run.TaskId)!));
                    Write(connection, completion);
                    return completion.Run;
                case RunStatus.Running:
                    Rows.Execute(connection, "UPDATE runs SET cancel_requested = 1 WHERE id = $id", c => c.Parameters.Add("$id", runId));
                    return run with { CancelRequested = true };
                default:
                    return run;
            }
        }, cancellationToken);

    public Task<IReadOnlyList<TaskRun>> ActiveRunsAsync(string taskId, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<TaskRun>>(connection => Rows.Query(
            connection,
            $"SELECT {Rows.RunColumns} FROM runs WHERE task_id = $task AND status IN ('queued', 'running') ORDER BY id",
            c => c.Parameters.Add("$task", taskId),
            Rows.ReadRun), cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset olderThan, int keepPerTask, int batchSize, CancellationToken cancellationToken) =>
        db.WriteAsync(connection => Rows.Execute(
            connection,
            """
            DELETE FROM runs WHERE id IN (
                SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < $cutoff
                UNION
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY finished_at DESC, id DESC) AS n
                    FROM runs WHERE finished_at IS NOT NULL)
                WHERE n > $keep
                LIMIT $batch)
            """,
            c =>
            {
                c.Parameters.Add("$cutoff", Rows.Micros(olderThan));
                c.Parameters.Add("$keep", keepPerTask);
                c.Parameters.Add("$batch", batchSize);
            }), cancellationToken);

    internal static TaskRun? Find(SqliteConnection connection, string runId) =>
        Rows.Query(connection, $"SELECT {Rows.RunColumns} FROM runs WHERE id = $id", c => c.Parameters.Add("$id", runId), Rows.ReadRun).FirstOrDefault();

    /// <summary>Inserts a run; returns 1, or 0 when <paramref name="ignoreDuplicate"/> and its occurrence already has a run.</summary>
    internal static int InsertRun(SqliteConnection connection, TaskRun run, bool ignoreDuplicate = false)
    {
        try
        {
            return Rows.Execute(connection, ignoreDuplicate ? Insert + " ON CONFLICT (task_id, occurrence) DO NOTHING" : Insert, c => Rows.BindRun(c, run));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && ex.Message.Contains("runs.task_id, runs.occurrence", StringComparison.Ordinal))
        {
            throw new ConflictException($"task '{run.TaskId}' already has a run for occurrence '{run.Occurrence}'");
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == ForeignKeyFailed)
        {
            throw new NotFoundException($"task '{run.TaskId}' does not exist (any more)");
        }
    }

    internal static (int Queued, int Running) ActiveCounts(SqliteConnection connection, string taskId)
    {
        var counts = Rows.Query(
            connection,
            "SELECT status, COUNT(*) FROM runs WHERE task_id = $task AND status IN ('queued', 'running') GROUP BY status",
            c => c.Parameters.Add("$task", taskId),
            r => (Status: r.GetString(0), Count: r.GetInt32(1)));
        return (counts.FirstOrDefault(c => c.Status == "queued").Count, counts.FirstOrDefault(c => c.Status == "running").Count);
    }

    private static void Write(SqliteConnection connection, Completion completion)
    {
        Rows.Execute(connection, UpdateState, c =>
        {
            Rows.BindRunState(c, completion.Run);
            c.Parameters.Add("$id", completion.Run.Id);
        });
        SqliteTaskStore.WriteState(connection, completion.Task with { UpdatedAt = completion.Run.FinishedAt ?? completion.Task.UpdatedAt });
        if (completion.Session is { } session)
        {
            SqliteThreadStore.Save(connection, session);
        }
    }

    private static List<ClaimedRun> WithTasks(SqliteConnection connection, List<TaskRun> runs)
    {
        var tasks = new Dictionary<string, AgentTask>(StringComparer.Ordinal);
        var claimed = new List<ClaimedRun>(runs.Count);
        foreach (var run in runs)
        {
            if (!tasks.TryGetValue(run.TaskId, out var task))
            {
                task = SqliteTaskStore.Find(connection, run.TaskId)!;
                tasks[run.TaskId] = task;
            }

            claimed.Add(new ClaimedRun(run, task));
        }

        return claimed;
    }
}
