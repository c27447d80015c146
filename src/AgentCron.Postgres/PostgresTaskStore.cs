using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Npgsql;

namespace AgentCron.Postgres;

internal sealed class PostgresTaskStore(PostgresDatabase db) : ITaskStore
{
    private const string Insert = $"""
        INSERT INTO tasks ({Rows.TaskColumns})
        VALUES (@id, @slug, @name, @instructions, @status, @status_reason, @trigger_kind, @trigger_expr, @trigger_tz,
                @trigger_anchor, @agent_provider, @agent_model, @agent_command, @agent_cwd, @thread, @timeout, @retries,
                @overlap, @misfire, @catch_up, @jitter, @max_failures, @next_fire_at, @last_run_id, @last_run_at,
                @last_run_status, @last_summary, @last_error, @consecutive_failures, @created_at, @updated_at, 1,
                @agent_permissions, @created_by_run, @recurring_follow_ups)
        """;

    private const string Update = """
        UPDATE tasks SET slug = @slug, name = @name, instructions = @instructions, status = @status,
            status_reason = @status_reason, trigger_kind = @trigger_kind, trigger_expr = @trigger_expr,
            trigger_tz = @trigger_tz, trigger_anchor = @trigger_anchor, agent_provider = @agent_provider,
            agent_model = @agent_model, agent_command = @agent_command, agent_cwd = @agent_cwd,
            agent_permissions = @agent_permissions, thread = @thread,
            timeout = @timeout, retries = @retries, overlap = @overlap, misfire = @misfire,
            catch_up = @catch_up, jitter = @jitter, max_failures = @max_failures,
            recurring_follow_ups = @recurring_follow_ups,
            next_fire_at = @next_fire_at, updated_at = @updated_at, version = version + 1
        WHERE id = @id AND version = @expected
        """;

    /// <summary>
    /// The planner's claim on due tasks, from the partial index <c>tasks_due</c>. SKIP LOCKED: several nodes planning at
    /// once each take different tasks instead of queueing behind one another; a task another node has just planned is
    /// re-checked on its committed row and no longer matches. The unique occurrence key stays the exactly-once guard.
    /// </summary>
    internal const string DueQuery = $"""
        SELECT {Rows.TaskColumns} FROM tasks
        WHERE status = 'active' AND next_fire_at IS NOT NULL AND next_fire_at <= @now
        ORDER BY next_fire_at LIMIT @limit
        FOR NO KEY UPDATE SKIP LOCKED
        """;

    /// <summary>What the engine writes on a task: never its definition.</summary>
    private const string UpdateState = """
        UPDATE tasks SET status = @status, status_reason = @status_reason, next_fire_at = @next_fire_at,
            last_run_id = @last_run_id, last_run_at = @last_run_at, last_run_status = @last_run_status,
            last_summary = @last_summary, last_error = @last_error, consecutive_failures = @consecutive_failures,
            updated_at = @updated_at, version = version + 1
        WHERE id = @task_id
        """;

    /// <summary>Writes what the engine owns of a task: status, next fire time and the last-run fields.</summary>
    internal static Task WriteStateAsync(NpgsqlConnection connection, AgentTask task, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, UpdateState, Rows.TaskStateParameters(task), cancellationToken);

    public Task CreateAsync(AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            await InsertTaskAsync(write, task, firstRun, ct);
            return true;
        }, cancellationToken);

    public Task CreateFollowUpAsync(AgentTask task, TaskRun? firstRun, int maxPerRun, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            // Concurrent follow-ups of one run are counted one after the other: the lock is per creating run.
            await Sql.ExecuteAsync(write.Connection, "SELECT pg_advisory_xact_lock(@space, hashtext(@run))", [Sql.Int("space", LockSpaces.FollowUps), Sql.Text("run", task.CreatedByRun)], ct);
            var created = await Sql.ScalarAsync<long>(write.Connection, "SELECT COUNT(*) FROM tasks WHERE created_by_run = @run", [Sql.Text("run", task.CreatedByRun)], ct);
            if (created >= maxPerRun)
            {
                throw new ForbiddenException($"run '{task.CreatedByRun}' has already created {created} tasks; a run may create at most {maxPerRun} (FollowUps:MaxPerRun)");
            }

            await InsertTaskAsync(write, task, firstRun, ct);
            return true;
        }, cancellationToken);

    private static async Task InsertTaskAsync(PostgresWrite write, AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken)
    {
        try
        {
            await Sql.ExecuteAsync(write.Connection, Insert, Rows.TaskParameters(task), cancellationToken);
        }
        catch (PostgresException ex) when (ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "tasks_slug_key" })
        {
            throw new ConflictException($"a task with slug '{task.Slug}' already exists");
        }

        if (firstRun is not null)
        {
            await PostgresRunStore.InsertRunAsync(write.Connection, firstRun, false, cancellationToken);
        }

        write.WakeOtherNodes();
    }

    public Task<AgentTask?> FindAsync(string idOrSlug, CancellationToken cancellationToken) =>
        db.ReadAsync(
            async (connection, ct) => (await Sql.QueryAsync(connection, $"SELECT {Rows.TaskColumns} FROM tasks WHERE id = @key OR slug = @key LIMIT 1", [Sql.Text("key", idOrSlug)], Rows.ReadTask, ct))
                .FirstOrDefault(),
            cancellationToken);

    /// <summary>
    /// A task read inside a write to write its state back (<see cref="WriteStateAsync"/>): its row stays locked until the
    /// write ends. Read without the lock, a pause (or any change) that commits between this read and that write would be
    /// undone by it — the paused task active again, firing on.
    /// </summary>
    internal static async Task<AgentTask?> LockAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(connection, $"SELECT {Rows.TaskColumns} FROM tasks WHERE id = @id FOR NO KEY UPDATE", [Sql.Text("id", id)], Rows.ReadTask, cancellationToken)).FirstOrDefault();

    public Task<Page<AgentTask>> ListAsync(TaskQuery query, CancellationToken cancellationToken) =>
        db.ReadAsync(async (connection, ct) =>
        {
            var rows = await Sql.QueryAsync(
                connection,
                $"""
                SELECT {Rows.TaskColumns} FROM tasks
                WHERE (@status::text IS NULL OR status = @status) AND (@cursor::text IS NULL OR id > @cursor)
                ORDER BY id LIMIT @limit
                """,
                [
                    Sql.Text("status", query.Status is { } s ? EnumText.ToText(s) : null),
                    Sql.Text("cursor", query.Cursor),
                    Sql.Int("limit", query.Limit + 1),
                ],
                Rows.ReadTask,
                ct);
            return Paging.Page(rows, query.Limit, t => t.Id);
        }, cancellationToken);

    public Task UpdateAsync(AgentTask task, long expectedVersion, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            int changed;
            try
            {
                changed = await Sql.ExecuteAsync(write.Connection, Update, [.. Rows.TaskParameters(task), Sql.Long("expected", expectedVersion)], ct);
            }
            catch (PostgresException ex) when (ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "tasks_slug_key" })
            {
                throw new ConflictException($"a task with slug '{task.Slug}' already exists");
            }

            if (changed == 0)
            {
                throw await Sql.ScalarAsync<long?>(write.Connection, "SELECT version FROM tasks WHERE id = @id", [Sql.Text("id", task.Id)], ct) is null
                    ? new NotFoundException($"task '{task.Id}' does not exist")
                    : new ConflictException($"task '{task.Id}' was changed by someone else (expected version {expectedVersion}); read it again and retry");
            }

            // Its next fire time may have moved earlier than the other nodes' planners sleep.
            write.WakeOtherNodes();
            return true;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) => await Sql.ExecuteAsync(write.Connection, "DELETE FROM tasks WHERE id = @id", [Sql.Text("id", id)], ct) > 0, cancellationToken);

    public Task<DateTimeOffset?> NextFireAtAsync(CancellationToken cancellationToken) =>
        db.ReadAsync(
            (connection, ct) => Sql.ScalarAsync<DateTimeOffset?>(connection, "SELECT MIN(next_fire_at) FROM tasks WHERE status = 'active' AND next_fire_at IS NOT NULL", [], ct),
            cancellationToken);

    public Task<PlanResult> PlanDueAsync(DateTimeOffset now, int limit, Func<PlanInput, PlanDecision> plan, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            var connection = write.Connection;
            var due = await Sql.QueryAsync(connection, DueQuery, [Sql.Time("now", now), Sql.Int("limit", limit)], Rows.ReadTask, ct);
            var runs = 0;
            foreach (var task in due)
            {
                var (queued, running) = await PostgresRunStore.ActiveCountsAsync(connection, task.Id, ct);
                var decision = plan(new PlanInput(task, queued, running));
                foreach (var run in decision.NewRuns)
                {
                    runs += await PostgresRunStore.InsertRunAsync(connection, run, true, ct);
                }

                await WriteStateAsync(connection, task with
                {
                    NextFireAt = decision.NextFireAt,
                    Status = decision.Status,
                    StatusReason = decision.StatusReason,
                    UpdatedAt = now,
                }, ct);
                if (decision.CancelRunning)
                {
                    await Sql.ExecuteAsync(connection, "UPDATE runs SET cancel_requested = true WHERE task_id = @id AND status = 'running'", [Sql.Text("id", task.Id)], ct);
                }
            }

            if (runs > 0)
            {
                write.WakeOtherNodes();
            }

            return new PlanResult(due.Count, runs);
        }, cancellationToken);
}

/// <summary>The first key of this store's two-key advisory locks (a space of its own, apart from other applications' and the migration lock's).</summary>
internal static class LockSpaces
{
    public const int FollowUps = 0x41430001;
    public const int RunLogs = 0x41430002;
}
