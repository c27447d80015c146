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

    /// <summary>The insert of a run; when <paramref name="ignoreDuplicate"/>, a run for an occurrence that already has one is left out.</summary>
    public SqlStatement InsertRun(TaskRun run, bool ignoreDuplicate) =>
        new(ignoreDuplicate ? InsertRunSql + " ON CONFLICT (task_id, occurrence) DO NOTHING" : InsertRunSql, rows.RunParameters(run));

    /// <summary>Inserts a run; a run for an occurrence that already has one is a conflict.</summary>
    public async Task InsertRunAsync(DbConnection connection, TaskRun run, CancellationToken cancellationToken)
    {
        try
        {
            var insert = InsertRun(run, ignoreDuplicate: false);
            await dialect.ExecuteAsync(connection, insert.Sql, insert.Parameters, cancellationToken);
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

    /// <summary>The write of what the engine owns of a task: status, next fire time and the last-run fields.</summary>
    public SqlStatement WriteTaskState(AgentTask task) => new(UpdateTaskState, rows.TaskStateParameters(task));

    public async Task<TaskRun?> FindRunAsync(DbConnection connection, string runId, bool forUpdate, CancellationToken cancellationToken) =>
        (await dialect.QueryAsync(
            connection,
            $"SELECT {Rows.RunColumns} FROM runs WHERE id = @id" + (forUpdate ? dialect.ForUpdate : ""),
            [dialect.Text("id", runId)],
            rows.ReadRun,
            cancellationToken)).FirstOrDefault();

    /// <summary>How many runs of each of <paramref name="taskIds"/> are queued and how many running (tasks with none are left out).</summary>
    public async Task<Dictionary<string, (int Queued, int Running)>> ActiveCountsAsync(DbConnection connection, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        var counts = await dialect.QueryAsync(
            connection,
            $"SELECT task_id, status, COUNT(*) FROM runs WHERE {dialect.InList("task_id", "@tasks")} AND status IN ('queued', 'running') GROUP BY task_id, status",
            [dialect.TextList("tasks", taskIds)],
            r => (Task: r.GetString(0), Status: r.GetString(1), Count: Convert.ToInt32(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken);
        return counts.GroupBy(c => c.Task, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => (g.FirstOrDefault(c => c.Status == "queued").Count, g.FirstOrDefault(c => c.Status == "running").Count),
            StringComparer.Ordinal);
    }

    /// <summary>Each run with its task, the tasks read (and locked, in id order) in one statement.</summary>
    public async Task<List<ClaimedRun>> WithTasksAsync(DbConnection connection, IReadOnlyList<TaskRun> runs, CancellationToken cancellationToken)
    {
        var tasks = await LockTasksAsync(connection, [.. runs.Select(r => r.TaskId)], cancellationToken);
        return [.. runs.Select(r => new ClaimedRun(r, tasks[r.TaskId]))];
    }

    /// <summary>
    /// Tasks by id, read to write their state back (<see cref="WriteCompletionsAsync"/>) in the same transaction: their rows
    /// stay locked until it ends where writers interleave, taken in id order so two transactions locking overlapping sets
    /// do not deadlock. Read without the lock, a pause (or any change) that commits between this read and that write would
    /// be undone by it — the paused task active again, firing on.
    /// </summary>
    public async Task<Dictionary<string, AgentTask>> LockTasksAsync(DbConnection connection, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var tasks = await dialect.QueryAsync(
            connection,
            $"SELECT {Rows.TaskColumns} FROM tasks WHERE {dialect.InList("id", "@ids")} ORDER BY id{dialect.ForUpdate}",
            [dialect.TextList("ids", [.. ids.Distinct(StringComparer.Ordinal)])],
            rows.ReadTask,
            cancellationToken);
        return tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// What completions read before they decide, in one round trip where the driver batches: those of
    /// <paramref name="runIds"/> that are still running, locked (fencing: no recovery or takeover can come between), their
    /// tasks locked in id order as <see cref="LockTasksAsync"/> takes them, and whether any of those tasks has a run
    /// queued (for <see cref="WriteCompletionsAsync"/>'s wake).
    /// </summary>
    public async Task<(Dictionary<string, TaskRun> Runs, Dictionary<string, AgentTask> Tasks, bool QueuedSiblings)> LockForCompletionAsync(
        DbConnection connection, IReadOnlyCollection<string> runIds, CancellationToken cancellationToken)
    {
        var ids = dialect.TextList("ids", runIds);
        var runs = new Dictionary<string, TaskRun>(StringComparer.Ordinal);
        var tasks = new Dictionary<string, AgentTask>(StringComparer.Ordinal);
        var queuedSiblings = false;
        await dialect.QueryBatchAsync(
            connection,
            [
                (new SqlStatement($"SELECT {Rows.RunColumns} FROM runs WHERE {dialect.InList("id", "@ids")} AND status = 'running' ORDER BY id{dialect.ForUpdate}", [ids]),
                    r => runs.Add(r.GetString(0), rows.ReadRun(r))),
                (new SqlStatement(
                    $"""
                    SELECT {Rows.TaskColumns}, EXISTS (SELECT 1 FROM runs q WHERE q.task_id = tasks.id AND q.status = 'queued')
                    FROM tasks WHERE id IN (SELECT task_id FROM runs WHERE {dialect.InList("id", "@task_runs")} AND status = 'running')
                    ORDER BY id{dialect.ForUpdate}
                    """,
                    [dialect.TextList("task_runs", runIds)]),
                    r =>
                    {
                        var task = rows.ReadTask(r);
                        tasks.Add(task.Id, task);
                        queuedSiblings |= dialect.ReadFlag(r, r.FieldCount - 1);
                    }),
            ],
            cancellationToken);
        return (runs, tasks, queuedSiblings);
    }

    /// <summary>
    /// Writes runs' new states with their tasks' runtime fields (each task once, as the last of its completions left it),
    /// sessions and log entries, all in one batch. It wakes the other nodes only when that makes work for them: a run that
    /// goes back to the queue, or one whose end unblocks a queued sibling (of its task, which may be exclusive, or of its
    /// chat thread). A plain success wakes nobody — the finishing node's own dispatcher looks again anyway, and waking
    /// every node on every completion costs each of them a round of reads per run. <paramref name="queuedSiblings"/>:
    /// whether a task of the completions has a queued run, when the caller has read that already (null: read here).
    /// </summary>
    public async Task WriteCompletionsAsync(StoreWrite write, IReadOnlyList<Completion> completions, bool? queuedSiblings, CancellationToken cancellationToken)
    {
        if (completions.Count == 0)
        {
            return;
        }

        var connection = write.Connection;
        var statements = new List<SqlStatement>();
        var tasks = new Dictionary<string, AgentTask>(StringComparer.Ordinal);
        foreach (var completion in completions)
        {
            statements.Add(new SqlStatement(UpdateRunState, rows.RunStateParameters(completion.Run)));
            tasks[completion.Task.Id] = completion.Task with { UpdatedAt = completion.Run.FinishedAt ?? completion.Task.UpdatedAt };
            if (completion.Session is { } session)
            {
                statements.Add(SaveSession(session));
            }

            if (completion.Log.Count > 0)
            {
                statements.AddRange(AppendLog(completion.Run.Id, completion.Log));
            }

            statements.AddRange(completion.Deliveries.Select(d => InsertDelivery(completion.Run, d)));
        }

        statements.AddRange(tasks.Values.Select(WriteTaskState));
        var wakes = completions.Any(c => c.Run.Status == RunStatus.Queued || c.Task.Thread is not null)
            || (queuedSiblings ?? await dialect.CountAsync(
                connection,
                $"SELECT COUNT(*) FROM runs WHERE {dialect.InList("task_id", "@tasks")} AND status = 'queued'",
                [dialect.TextList("tasks", tasks.Keys)],
                cancellationToken) > 0);
        await dialect.ExecuteBatchAsync(connection, statements, cancellationToken);
        if (wakes)
        {
            write.WakeOtherNodes();
        }
    }

    /// <summary>
    /// The outbox row of <paramref name="delivery"/> for <paramref name="run"/>, due at once; none when the run already has
    /// one for that target and kind, or — for a delivery with a cool-down — when its task had one to that target that recently.
    /// </summary>
    private SqlStatement InsertDelivery(TaskRun run, NewDelivery delivery)
    {
        var at = run.FinishedAt ?? run.CreatedAt;
        var coolDown = delivery.CoolDown is { } span
            ? " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.task_id = @task AND d.target = @target AND d.kind = @kind AND d.created_at > @since)"
            : "";
        return new SqlStatement(
            $"""
            INSERT INTO deliveries (id, run_id, task_id, target, kind, status, attempts, next_attempt_at, chunks_sent, note, created_at)
            SELECT @id, @run, @task, @target, @kind, 'pending', 0, @at, 0, @note, @at WHERE 1 = 1{coolDown}
            ON CONFLICT (run_id, target, kind) DO NOTHING
            """,
            [
                dialect.Text("id", Ids.New("d", at)),
                dialect.Text("run", run.Id),
                dialect.Text("task", run.TaskId),
                dialect.Text("target", delivery.Target.ToString()),
                dialect.Text("kind", EnumText.ToText(delivery.Kind)),
                dialect.Text("note", delivery.Note),
                dialect.Instant("at", at),
                .. delivery.CoolDown is { } cool ? [dialect.Instant("since", at - cool)] : Array.Empty<System.Data.Common.DbParameter>(),
            ]);
    }

    /// <summary>Keeps the newest session of a thread and provider.</summary>
    public SqlStatement SaveSession(ThreadSession session) => new(
        """
        INSERT INTO thread_sessions (thread, provider, session_id, updated_at) VALUES (@thread, @provider, @session, @at)
        ON CONFLICT (thread, provider) DO UPDATE SET session_id = excluded.session_id, updated_at = excluded.updated_at
        """,
        [dialect.Text("thread", session.Thread), dialect.Text("provider", session.Provider), dialect.Text("session", session.SessionId), dialect.Instant("at", session.UpdatedAt)]);

    /// <summary>
    /// Appends after the run's last entry. Appends to one run take turns (<see cref="SqlDialect.Serialize"/>), so
    /// sequence numbers never collide and commit in order: a follower reading after the last seq it saw never skips an
    /// entry that commits later with a lower seq.
    /// </summary>
    public IEnumerable<SqlStatement> AppendLog(string runId, IReadOnlyList<NewRunLogEvent> events) =>
        dialect.Serialize(LockSpace.RunLogs, runId) is { } turn ? [turn, .. dialect.InsertLogs(runId, events)] : dialect.InsertLogs(runId, events);
}
