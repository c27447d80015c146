using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

/// <summary>
/// The statements that more than one role runs inside its own transaction — inserting a run, writing back what the
/// engine owns of a task, applying a completion — so each is written once and no role calls into another.
/// </summary>
internal sealed class StoreStatements(SqlDialect dialect, Rows rows)
{
    private const string InsertRunSql = $"""
        INSERT INTO runs ({Rows.RunColumns})
        VALUES (@id, @task_id, @occurrence, @trigger, @scheduled_for, @not_before, @attempt, @status, @exclusive,
                @lease_owner, @lease_expires_at, @cancel_requested, @created_at, @started_at, @finished_at, @agent, @model,
                @session_id, @exit_code, @output, @summary, @error, @host, @pid, @pid_identity, @input_tokens, @output_tokens,
                @cost_usd, @node)
        """;

    private const string UpdateRunState = """
        UPDATE runs SET not_before = @not_before, attempt = @attempt, status = @status, lease_owner = @lease_owner,
            lease_expires_at = @lease_expires_at, cancel_requested = @cancel_requested, started_at = @started_at,
            finished_at = @finished_at, agent = @agent, model = @model, session_id = @session_id, exit_code = @exit_code,
            output = @output, summary = @summary, error = @error, host = @host, pid = @pid, pid_identity = @pid_identity,
            input_tokens = @input_tokens, output_tokens = @output_tokens, cost_usd = @cost_usd, node = @node
        WHERE id = @id
        """;

    /// <summary>What the engine writes on a task: never its definition.</summary>
    private const string UpdateTaskState = """
        UPDATE tasks SET status = @status, status_reason = @status_reason, next_fire_at = @next_fire_at,
            last_run_id = @last_run_id, last_run_at = @last_run_at, last_run_status = @last_run_status,
            last_summary = @last_summary, last_error = @last_error, consecutive_failures = @consecutive_failures,
            updated_at = @updated_at, version = version + 1
        WHERE id = @task_id
        """;

    public SqlDialect Dialect => dialect;

    public Rows Rows => rows;

    /// <summary>Inserts a run; returns 1, or 0 when <paramref name="ignoreDuplicate"/> and its occurrence already has a run.</summary>
    public async Task<int> InsertRunAsync(DbConnection connection, TaskRun run, bool ignoreDuplicate, CancellationToken cancellationToken)
    {
        try
        {
            return await dialect.ExecuteAsync(
                connection,
                ignoreDuplicate ? InsertRunSql + " ON CONFLICT (task_id, occurrence) DO NOTHING" : InsertRunSql,
                rows.RunParameters(run),
                cancellationToken);
        }
        catch (DbException ex) when (dialect.Violates(ex, UniqueKey.RunOccurrence))
        {
            throw new ConflictException($"task '{run.TaskId}' already has a run for occurrence '{run.Occurrence}'");
        }
        catch (DbException ex) when (dialect.IsMissingParent(ex))
        {
            throw new NotFoundException($"task '{run.TaskId}' does not exist (any more)");
        }
    }

    /// <summary>Writes what the engine owns of a task: status, next fire time and the last-run fields.</summary>
    public Task WriteTaskStateAsync(DbConnection connection, AgentTask task, CancellationToken cancellationToken) =>
        dialect.ExecuteAsync(connection, UpdateTaskState, rows.TaskStateParameters(task), cancellationToken);

    /// <summary>
    /// A task read to write its state back (<see cref="WriteTaskStateAsync"/>) in the same transaction: its row stays
    /// locked until the transaction ends where writers interleave. Read without the lock, a pause (or any change) that
    /// commits between this read and that write would be undone by it — the paused task active again, firing on.
    /// </summary>
    public async Task<AgentTask?> LockTaskAsync(DbConnection connection, string id, CancellationToken cancellationToken) =>
        (await dialect.QueryAsync(connection, $"SELECT {Rows.TaskColumns} FROM tasks WHERE id = @id{dialect.ForUpdate}", [dialect.Text("id", id)], rows.ReadTask, cancellationToken)).FirstOrDefault();

    public async Task<TaskRun?> FindRunAsync(DbConnection connection, string runId, bool forUpdate, CancellationToken cancellationToken) =>
        (await dialect.QueryAsync(
            connection,
            $"SELECT {Rows.RunColumns} FROM runs WHERE id = @id" + (forUpdate ? dialect.ForUpdate : ""),
            [dialect.Text("id", runId)],
            rows.ReadRun,
            cancellationToken)).FirstOrDefault();

    /// <summary>How many runs of a task are queued and how many running.</summary>
    public async Task<(int Queued, int Running)> ActiveCountsAsync(DbConnection connection, string taskId, CancellationToken cancellationToken)
    {
        var counts = await dialect.QueryAsync(
            connection,
            "SELECT status, COUNT(*) FROM runs WHERE task_id = @task AND status IN ('queued', 'running') GROUP BY status",
            [dialect.Text("task", taskId)],
            r => (Status: r.GetString(0), Count: Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken);
        return (counts.FirstOrDefault(c => c.Status == "queued").Count, counts.FirstOrDefault(c => c.Status == "running").Count);
    }

    /// <summary>Each run with its task, each task read (and locked) once.</summary>
    public async Task<List<ClaimedRun>> WithTasksAsync(DbConnection connection, IReadOnlyList<TaskRun> runs, CancellationToken cancellationToken)
    {
        var tasks = new Dictionary<string, AgentTask>(StringComparer.Ordinal);
        var claimed = new List<ClaimedRun>(runs.Count);
        foreach (var run in runs)
        {
            if (!tasks.TryGetValue(run.TaskId, out var task))
            {
                task = (await LockTaskAsync(connection, run.TaskId, cancellationToken))!;
                tasks[run.TaskId] = task;
            }

            claimed.Add(new ClaimedRun(run, task));
        }

        return claimed;
    }

    /// <summary>
    /// Writes a run's new state with its task's runtime fields and session. It wakes the other nodes only when that makes
    /// work for them: a run that goes back to the queue, or one whose end unblocks a queued sibling (of its task, which
    /// may be exclusive, or of its chat thread). A plain success wakes nobody — the finishing node's own dispatcher looks
    /// again anyway, and waking every node on every completion costs each of them a round of reads per run.
    /// </summary>
    public async Task WriteCompletionAsync(StoreWrite write, Completion completion, CancellationToken cancellationToken)
    {
        var connection = write.Connection;
        await dialect.ExecuteAsync(connection, UpdateRunState, rows.RunStateParameters(completion.Run), cancellationToken);
        await WriteTaskStateAsync(connection, completion.Task with { UpdatedAt = completion.Run.FinishedAt ?? completion.Task.UpdatedAt }, cancellationToken);
        if (completion.Session is { } session)
        {
            await SaveSessionAsync(connection, session, cancellationToken);
        }

        if (completion.Log.Count > 0)
        {
            await AppendLogAsync(connection, completion.Run.Id, completion.Log, cancellationToken);
        }

        if (completion.Run.Status == RunStatus.Queued || completion.Task.Thread is not null
            || await dialect.CountAsync(connection, "SELECT COUNT(*) FROM runs WHERE task_id = @task AND status = 'queued'", [dialect.Text("task", completion.Run.TaskId)], cancellationToken) > 0)
        {
            write.WakeOtherNodes();
        }
    }

    /// <summary>Keeps the newest session of a thread and provider.</summary>
    public Task SaveSessionAsync(DbConnection connection, ThreadSession session, CancellationToken cancellationToken) =>
        dialect.ExecuteAsync(
            connection,
            """
            INSERT INTO thread_sessions (thread, provider, session_id, updated_at) VALUES (@thread, @provider, @session, @at)
            ON CONFLICT (thread, provider) DO UPDATE SET session_id = excluded.session_id, updated_at = excluded.updated_at
            """,
            [dialect.Text("thread", session.Thread), dialect.Text("provider", session.Provider), dialect.Text("session", session.SessionId), dialect.Instant("at", session.UpdatedAt)],
            cancellationToken);

    /// <summary>
    /// Appends after the run's last entry. Appends to one run take turns (<see cref="SqlDialect.SerializeAsync"/>), so
    /// sequence numbers never collide and commit in order: a follower reading after the last seq it saw never skips an
    /// entry that commits later with a lower seq.
    /// </summary>
    public async Task AppendLogAsync(DbConnection connection, string runId, IReadOnlyList<NewRunLogEvent> events, CancellationToken cancellationToken)
    {
        await dialect.SerializeAsync(connection, LockSpace.RunLogs, runId, cancellationToken);
        var last = await dialect.CountAsync(connection, "SELECT COALESCE(MAX(seq), 0) FROM run_logs WHERE run_id = @run", [dialect.Text("run", runId)], cancellationToken);
        await dialect.InsertLogsAsync(connection, runId, last + 1, events, cancellationToken);
    }
}
