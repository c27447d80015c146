using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

internal sealed class SqlTaskStore(IStoreDatabase db, StoreStatements statements) : ITaskStore
{
    private const string Insert = $"""
        INSERT INTO tasks ({Rows.TaskColumns})
        VALUES (@id, @slug, @name, @instructions, @status, @status_reason, @trigger_kind, @trigger_expr, @trigger_tz,
                @trigger_anchor, @agent_provider, @agent_model, @agent_command, @agent_cwd, @thread, @timeout, @retries,
                @overlap, @misfire, @catch_up, @jitter, @max_failures, @next_fire_at, @last_run_id, @last_run_at,
                @last_run_status, @last_summary, @last_error, @consecutive_failures, @created_at, @updated_at, 1,
                @agent_permissions, @created_by_run, @recurring_follow_ups, @deliver)
        """;

    private const string Update = """
        UPDATE tasks SET slug = @slug, name = @name, instructions = @instructions, status = @status,
            status_reason = @status_reason, trigger_kind = @trigger_kind, trigger_expr = @trigger_expr,
            trigger_tz = @trigger_tz, trigger_anchor = @trigger_anchor, agent_provider = @agent_provider,
            agent_model = @agent_model, agent_command = @agent_command, agent_cwd = @agent_cwd,
            agent_permissions = @agent_permissions, thread = @thread, deliver = @deliver,
            timeout = @timeout, retries = @retries, overlap = @overlap, misfire = @misfire,
            catch_up = @catch_up, jitter = @jitter, max_failures = @max_failures,
            recurring_follow_ups = @recurring_follow_ups,
            next_fire_at = @next_fire_at, updated_at = @updated_at, version = version + 1
        WHERE id = @id AND version = @expected
        """;

    private SqlDialect Dialect => statements.Dialect;

    private Rows Rows => statements.Rows;

    public Task CreateAsync(AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            await InsertAsync(write, task, firstRun, ct);
            return true;
        }, cancellationToken);

    public Task CreateFollowUpAsync(AgentTask task, TaskRun? firstRun, int maxPerRun, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            // Concurrent follow-ups of one run are counted one after the other.
            await Dialect.SerializeAsync(write.Connection, LockSpace.FollowUps, task.CreatedByRun!, ct);
            var created = await Dialect.CountAsync(write.Connection, "SELECT COUNT(*) FROM tasks WHERE created_by_run = @run", [Dialect.Text("run", task.CreatedByRun)], ct);
            if (created >= maxPerRun)
            {
                throw new ForbiddenException($"run '{task.CreatedByRun}' has already created {created} tasks; a run may create at most {maxPerRun} (FollowUps:MaxPerRun)");
            }

            await InsertAsync(write, task, firstRun, ct);
            return true;
        }, cancellationToken);

    public Task<AgentTask?> FindAsync(string idOrSlug, CancellationToken cancellationToken) =>
        db.ReadAsync(
            async (connection, ct) => (await Dialect.QueryAsync(connection, $"SELECT {Rows.TaskColumns} FROM tasks WHERE id = @key OR slug = @key LIMIT 1", [Dialect.Text("key", idOrSlug)], Rows.ReadTask, ct))
                .FirstOrDefault(),
            cancellationToken);

    public Task<Page<AgentTask>> ListAsync(TaskQuery query, CancellationToken cancellationToken) =>
        db.ReadAsync(
            (connection, ct) => new Filters()
                .Add("status = @status", Dialect.Text("status", query.Status is { } s ? EnumText.ToText(s) : null))
                .Add("agent_provider = @agent", Dialect.Text("agent", query.Agent))
                .Add("substr(thread, 1, length(@thread)) = @thread", Dialect.Text("thread", query.Thread))
                .Add($"({Dialect.Contains("lower(name)", "@search")} OR {Dialect.Contains("slug", "@search")})", Dialect.Text("search", query.Search?.ToLowerInvariant()))
                .Add("id > @cursor", Dialect.Text("cursor", query.Cursor))
                .PageAsync(Dialect, connection, $"SELECT {Rows.TaskColumns} FROM tasks", "id", query.Limit, Rows.ReadTask, t => t.Id, ct),
            cancellationToken);

    public Task<AgentTask> UpdateAsync(string id, long? expectedVersion, Func<AgentTask, AgentTask> change, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            var current = (await statements.LockTasksAsync(write.Connection, [id], ct)).GetValueOrDefault(id)
                ?? throw new NotFoundException($"task '{id}' does not exist");
            if (expectedVersion is { } expected && expected != current.Version)
            {
                throw new ConflictException($"task '{current.Slug}' is at version {current.Version}, not {expected}; read it again and retry");
            }

            var task = change(current) with { Id = current.Id, Version = current.Version };
            try
            {
                await Dialect.ExecuteAsync(write.Connection, Update, [.. Rows.TaskParameters(task), Dialect.Long("expected", current.Version)], ct);
            }
            catch (DbException ex) when (Dialect.Violates(ex, UniqueKey.TaskSlug))
            {
                throw new ConflictException($"a task with slug '{task.Slug}' already exists");
            }

            // Its next fire time may have moved earlier than the other nodes' planners sleep.
            write.WakeOtherNodes();
            return task with { Version = current.Version + 1 };
        }, cancellationToken);

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) => await Dialect.ExecuteAsync(write.Connection, "DELETE FROM tasks WHERE id = @id", [Dialect.Text("id", id)], ct) > 0, cancellationToken);

    public Task<DateTimeOffset?> NextFireAtAsync(CancellationToken cancellationToken) =>
        db.ReadAsync((connection, ct) => Dialect.InstantAsync(connection, Dialect.NextFireAt, [], ct), cancellationToken);

    public Task<PlanResult> PlanDueAsync(DateTimeOffset now, int limit, Func<PlanInput, PlanDecision> plan, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            var connection = write.Connection;
            var due = await Dialect.QueryAsync(connection, Dialect.DueTasks, [Dialect.Instant("now", now), Dialect.Int("limit", limit)], Rows.ReadTask, ct);
            if (due.Count == 0)
            {
                return new PlanResult(0, 0);
            }

            // Set-based: one read of every due task's active runs, the decisions in memory, then the new runs in one batch
            // (an occurrence that already has a run is skipped) and the tasks' new states in another.
            var active = await statements.ActiveCountsAsync(connection, [.. due.Select(t => t.Id)], ct);
            var inserts = new List<SqlStatement>();
            var updates = new List<SqlStatement>();
            foreach (var task in due)
            {
                var (queued, running) = active.GetValueOrDefault(task.Id);
                var decision = plan(new PlanInput(task, queued, running));
                inserts.AddRange(decision.NewRuns.Select(run => statements.InsertRun(run, ignoreDuplicate: true)));
                updates.Add(statements.WriteTaskState(task with
                {
                    NextFireAt = decision.NextFireAt,
                    Status = decision.Status,
                    StatusReason = decision.StatusReason,
                    UpdatedAt = now,
                }));
                if (decision.CancelRunning)
                {
                    updates.Add(new SqlStatement("UPDATE runs SET cancel_requested = TRUE WHERE task_id = @id AND status = 'running'", [Dialect.Text("id", task.Id)]));
                }
            }

            var runs = inserts.Count == 0 ? 0 : await Dialect.ExecuteBatchAsync(connection, inserts, ct);
            await Dialect.ExecuteBatchAsync(connection, updates, ct);
            if (runs > 0)
            {
                write.WakeOtherNodes();
            }

            return new PlanResult(due.Count, runs);
        }, cancellationToken);

    private async Task InsertAsync(StoreWrite write, AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken)
    {
        try
        {
            await Dialect.ExecuteAsync(write.Connection, Insert, Rows.TaskParameters(task), cancellationToken);
        }
        catch (DbException ex) when (Dialect.Violates(ex, UniqueKey.TaskSlug))
        {
            throw new ConflictException($"a task with slug '{task.Slug}' already exists");
        }

        if (firstRun is not null)
        {
            await statements.InsertRunAsync(write.Connection, firstRun, cancellationToken);
        }

        write.WakeOtherNodes();
    }
}
