using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

internal sealed class SqliteTaskStore(SqliteDatabase db) : ITaskStore
{
    private const string Insert = $"""
        INSERT INTO tasks ({Rows.TaskColumns})
        VALUES ($id, $slug, $name, $instructions, $status, $status_reason, $trigger_kind, $trigger_expr, $trigger_tz,
                $trigger_anchor, $agent_provider, $agent_model, $agent_command, $agent_cwd, $thread, $timeout_ms, $retries,
                $overlap, $misfire, $catch_up_ms, $jitter_ms, $max_failures, $next_fire_at, $last_run_id, $last_run_at,
                $last_run_status, $last_summary, $last_error, $consecutive_failures, $created_at, $updated_at, 1, $agent_permissions,
                $created_by_run, $recurring_follow_ups)
        """;

    private const string Update = """
        UPDATE tasks SET slug = $slug, name = $name, instructions = $instructions, status = $status,
            status_reason = $status_reason, trigger_kind = $trigger_kind, trigger_expr = $trigger_expr,
            trigger_tz = $trigger_tz, trigger_anchor = $trigger_anchor, agent_provider = $agent_provider,
            agent_model = $agent_model, agent_command = $agent_command, agent_cwd = $agent_cwd,
            agent_permissions = $agent_permissions, thread = $thread,
            timeout_ms = $timeout_ms, retries = $retries, overlap = $overlap, misfire = $misfire,
            catch_up_ms = $catch_up_ms, jitter_ms = $jitter_ms, max_failures = $max_failures,
            recurring_follow_ups = $recurring_follow_ups,
            next_fire_at = $next_fire_at, updated_at = $updated_at, version = version + 1
        WHERE id = $id AND version = $expected
        """;

    /// <summary>
    /// The planner's query, answered from the partial index <c>tasks_due</c> so its cost follows what is due. Without
    /// statistics SQLite prefers <c>tasks_status</c> and sorts every active task, hence INDEXED BY (a test checks the plan).
    /// </summary>
    internal const string DueQuery = $"SELECT {Rows.TaskColumns} FROM tasks INDEXED BY tasks_due WHERE status = 'active' AND next_fire_at IS NOT NULL AND next_fire_at <= $now ORDER BY next_fire_at LIMIT $limit";

    /// <summary>The engine's next wake-up, read from the first entry of <c>tasks_due</c> for the same reason.</summary>
    internal const string NextFireQuery = "SELECT MIN(next_fire_at) FROM tasks INDEXED BY tasks_due WHERE status = 'active' AND next_fire_at IS NOT NULL";

    /// <summary>What the engine writes on a task: never its definition.</summary>
    private const string UpdateState = """
        UPDATE tasks SET status = $status, status_reason = $status_reason, next_fire_at = $next_fire_at,
            last_run_id = $last_run_id, last_run_at = $last_run_at, last_run_status = $last_run_status,
            last_summary = $last_summary, last_error = $last_error, consecutive_failures = $consecutive_failures,
            updated_at = $updated_at, version = version + 1
        WHERE id = $id
        """;

    /// <summary>Writes what the engine owns of a task: status, next fire time and the last-run fields.</summary>
    internal static void WriteState(SqliteConnection connection, AgentTask task) =>
        Rows.Execute(connection, UpdateState, c =>
        {
            Rows.BindTaskState(c, task);
            c.Parameters.Add("$id", task.Id);
        });

    public Task CreateAsync(AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken) =>
        db.WriteAsync(connection =>
        {
            InsertTask(connection, task);
            if (firstRun is not null)
            {
                SqliteRunStore.InsertRun(connection, firstRun);
            }

            return true;
        }, cancellationToken);

    public Task CreateFollowUpAsync(AgentTask task, TaskRun? firstRun, int maxPerRun, CancellationToken cancellationToken) =>
        db.WriteAsync(connection =>
        {
            var created = (long)Rows.Scalar(connection, "SELECT COUNT(*) FROM tasks WHERE created_by_run = $run", c => c.Parameters.Add("$run", task.CreatedByRun))!;
            if (created >= maxPerRun)
            {
                throw new ForbiddenException($"run '{task.CreatedByRun}' has already created {created} tasks; a run may create at most {maxPerRun} (FollowUps:MaxPerRun)");
            }

            InsertTask(connection, task);
            if (firstRun is not null)
            {
                SqliteRunStore.InsertRun(connection, firstRun);
            }

            return true;
        }, cancellationToken);

    private static void InsertTask(SqliteConnection connection, AgentTask task)
    {
        try
        {
            Rows.Execute(connection, Insert, c => Rows.BindTask(c, task));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && ex.Message.Contains("tasks.slug", StringComparison.Ordinal))
        {
            throw new ConflictException($"a task with slug '{task.Slug}' already exists");
        }
    }

    public Task<AgentTask?> FindAsync(string idOrSlug, CancellationToken cancellationToken) =>
        db.ReadAsync(
            connection => Rows.Query(connection, $"SELECT {Rows.TaskColumns} FROM tasks WHERE id = $key OR slug = $key LIMIT 1", c => c.Parameters.Add("$key", idOrSlug), Rows.ReadTask)
                .FirstOrDefault(),
            cancellationToken);

    internal static AgentTask? Find(SqliteConnection connection, string id) =>
        Rows.Query(connection, $"SELECT {Rows.TaskColumns} FROM tasks WHERE id = $id", c => c.Parameters.Add("$id", id), Rows.ReadTask).FirstOrDefault();

    public Task<Page<AgentTask>> ListAsync(TaskQuery query, CancellationToken cancellationToken) =>
        db.ReadAsync(connection =>
        {
            var rows = Rows.Query(
                connection,
                $"""
                SELECT {Rows.TaskColumns} FROM tasks
                WHERE ($status IS NULL OR status = $status) AND ($cursor IS NULL OR id > $cursor)
                ORDER BY id LIMIT $limit
                """,
                c =>
                {
                    c.Parameters.Add("$status", query.Status is { } s ? EnumText.ToText(s) : null);
                    c.Parameters.Add("$cursor", query.Cursor);
                    c.Parameters.Add("$limit", query.Limit + 1);
                },
                Rows.ReadTask);
            return Paging.Page(rows, query.Limit, t => t.Id);
        }, cancellationToken);

    public Task UpdateAsync(AgentTask task, long expectedVersion, CancellationToken cancellationToken) =>
        db.WriteAsync(connection =>
        {
            int changed;
            try
            {
                changed = Rows.Execute(connection, Update, c =>
                {
                    Rows.BindTask(c, task);
                    c.Parameters.Add("$expected", expectedVersion);
                });
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && ex.Message.Contains("tasks.slug", StringComparison.Ordinal))
            {
                throw new ConflictException($"a task with slug '{task.Slug}' already exists");
            }

            if (changed == 0)
            {
                throw Rows.Scalar(connection, "SELECT version FROM tasks WHERE id = $id", c => c.Parameters.Add("$id", task.Id)) is null
                    ? new NotFoundException($"task '{task.Id}' does not exist")
                    : new ConflictException($"task '{task.Id}' was changed by someone else (expected version {expectedVersion}); read it again and retry");
            }

            return true;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        db.WriteAsync(connection => Rows.Execute(connection, "DELETE FROM tasks WHERE id = $id", c => c.Parameters.Add("$id", id)) > 0, cancellationToken);

    public Task<DateTimeOffset?> NextFireAtAsync(CancellationToken cancellationToken) =>
        db.ReadAsync(connection => Rows.ScalarInstant(connection, NextFireQuery), cancellationToken);

    public Task<PlanResult> PlanDueAsync(DateTimeOffset now, int limit, Func<PlanInput, PlanDecision> plan, CancellationToken cancellationToken) =>
        db.WriteAsync(connection =>
        {
            var due = Rows.Query(
                connection,
                DueQuery,
                c =>
                {
                    c.Parameters.Add("$now", Rows.Micros(now));
                    c.Parameters.Add("$limit", limit);
                },
                Rows.ReadTask);
            var runs = 0;
            foreach (var task in due)
            {
                var (queued, running) = SqliteRunStore.ActiveCounts(connection, task.Id);
                var decision = plan(new PlanInput(task, queued, running));
                foreach (var run in decision.NewRuns)
                {
                    runs += SqliteRunStore.InsertRun(connection, run, ignoreDuplicate: true);
                }

                WriteState(connection, task with
                {
                    NextFireAt = decision.NextFireAt,
                    Status = decision.Status,
                    StatusReason = decision.StatusReason,
                    UpdatedAt = now,
                });
                if (decision.CancelRunning)
                {
                    Rows.Execute(connection, "UPDATE runs SET cancel_requested = 1 WHERE task_id = $id AND status = 'running'", c => c.Parameters.Add("$id", task.Id));
                }
            }

            return new PlanResult(due.Count, runs);
        }, cancellationToken);
}
