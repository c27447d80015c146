using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Triggers;

namespace AgentCron.Core.Storage;

/// <summary>
/// Maps tasks and runs to and from rows, for every database: the column lists (in reader order) and their parameters
/// (<c>@column</c>). What has no common SQL type — instants, durations, flags — is bound and read by the dialect.
/// </summary>
public sealed class Rows(SqlDialect dialect)
{
    /// <summary>The task columns, in the order <see cref="ReadTask"/> reads them.</summary>
    public const string TaskColumns = """
        id, slug, name, instructions, status, status_reason, trigger_kind, trigger_expr, trigger_tz, trigger_anchor,
        agent_provider, agent_model, agent_command, agent_cwd, thread, timeout, retries, overlap, misfire, catch_up,
        jitter, max_failures, next_fire_at, last_run_id, last_run_at, last_run_status, last_summary, last_error,
        consecutive_failures, created_at, updated_at, version, agent_permissions, created_by_run, recurring_follow_ups, deliver
        """;

    /// <summary>The run columns, in the order <see cref="ReadRun"/> reads them.</summary>
    public const string RunColumns = """
        id, task_id, occurrence, trigger, scheduled_for, not_before, attempt, status, exclusive, lease_owner,
        lease_expires_at, cancel_requested, created_at, started_at, finished_at, agent, model, session_id, exit_code,
        output, summary, error, host, pid, pid_identity, input_tokens, output_tokens, cost_usd, node
        """;

    /// <summary><see cref="RunColumns"/> of the table <c>runs</c> by name, for statements that join it.</summary>
    public static readonly string RunColumnsOfRuns = string.Join(", ", RunColumns.Split(',', StringSplitOptions.TrimEntries).Select(c => "runs." + c));

    /// <summary>Every task column as <c>@column</c>.</summary>
    public List<DbParameter> TaskParameters(AgentTask t) =>
    [
        dialect.Text("id", t.Id),
        dialect.Text("slug", t.Slug),
        dialect.Text("name", t.Name),
        dialect.Text("instructions", t.Instructions),
        dialect.Text("trigger_kind", t.Trigger is { } trigger ? EnumText.ToText(trigger.Kind) : null),
        dialect.Text("trigger_expr", t.Trigger?.Expression),
        dialect.Text("trigger_tz", t.Trigger?.TimeZoneId),
        dialect.Instant("trigger_anchor", t.Trigger?.Anchor),
        dialect.Text("agent_provider", t.Agent.Provider),
        dialect.Text("agent_model", t.Agent.Model),
        dialect.Text("agent_command", t.Agent.Command),
        dialect.Text("agent_cwd", t.Agent.Cwd),
        dialect.Text("agent_permissions", t.Agent.Permissions is { } permissions ? EnumText.ToText(permissions) : null),
        dialect.Text("thread", t.Thread?.ToString()),
        dialect.Text("deliver", t.Deliver.Count == 0 ? null : string.Join('\n', t.Deliver)),
        dialect.Duration("timeout", t.Policies.Timeout),
        dialect.Int("retries", t.Policies.Retries),
        dialect.Text("overlap", EnumText.ToText(t.Policies.Overlap)),
        dialect.Text("misfire", EnumText.ToText(t.Policies.Misfire)),
        dialect.Duration("catch_up", t.Policies.CatchUp),
        dialect.Duration("jitter", t.Policies.Jitter),
        dialect.Int("max_failures", t.Policies.MaxConsecutiveFailures),
        dialect.Flag("recurring_follow_ups", t.Policies.RecurringFollowUps),
        dialect.Text("created_by_run", t.CreatedByRun),
        dialect.Instant("created_at", t.CreatedAt),
        .. TaskStateParameters(t),
    ];

    /// <summary>The columns the engine writes on a task — status, next fire time, the last-run fields — and its id as <c>@task_id</c>.</summary>
    public List<DbParameter> TaskStateParameters(AgentTask t) =>
    [
        dialect.Text("task_id", t.Id),
        dialect.Text("status", EnumText.ToText(t.Status)),
        dialect.Text("status_reason", t.StatusReason),
        dialect.Instant("next_fire_at", t.NextFireAt),
        dialect.Text("last_run_id", t.LastRunId),
        dialect.Instant("last_run_at", t.LastRunAt),
        dialect.Text("last_run_status", t.LastRunStatus is { } s ? EnumText.ToText(s) : null),
        dialect.Text("last_summary", t.LastSummary),
        dialect.Text("last_error", t.LastError),
        dialect.Int("consecutive_failures", t.ConsecutiveFailures),
        dialect.Instant("updated_at", t.UpdatedAt),
    ];

    /// <summary>Every run column as <c>@column</c>.</summary>
    public List<DbParameter> RunParameters(TaskRun run) =>
    [
        dialect.Text("task_id", run.TaskId),
        dialect.Text("occurrence", run.Occurrence),
        dialect.Text("trigger", EnumText.ToText(run.Trigger)),
        dialect.Instant("scheduled_for", run.ScheduledFor),
        dialect.Flag("exclusive", run.Exclusive),
        dialect.Instant("created_at", run.CreatedAt),
        .. RunStateParameters(run),
    ];

    /// <summary>The columns that change as a run goes through its attempts, and its id.</summary>
    public List<DbParameter> RunStateParameters(TaskRun run) =>
    [
        dialect.Text("id", run.Id),
        dialect.Instant("not_before", run.NotBefore),
        dialect.Int("attempt", run.Attempt),
        dialect.Text("status", EnumText.ToText(run.Status)),
        dialect.Text("lease_owner", run.LeaseOwner),
        dialect.Instant("lease_expires_at", run.LeaseExpiresAt),
        dialect.Flag("cancel_requested", run.CancelRequested),
        dialect.Instant("started_at", run.StartedAt),
        dialect.Instant("finished_at", run.FinishedAt),
        dialect.Text("agent", run.Agent),
        dialect.Text("model", run.Model),
        dialect.Text("session_id", run.SessionId),
        dialect.Int("exit_code", run.ExitCode),
        dialect.Text("output", run.Output),
        dialect.Text("summary", run.Summary),
        dialect.Text("error", run.Error),
        dialect.Text("host", run.Host),
        dialect.Int("pid", run.Pid),
        dialect.Text("pid_identity", run.PidIdentity),
        dialect.Long("input_tokens", run.InputTokens),
        dialect.Long("output_tokens", run.OutputTokens),
        dialect.Decimal("cost_usd", run.CostUsd),
        dialect.Text("node", run.Node),
    ];

    /// <summary>A task from a row of <see cref="TaskColumns"/>.</summary>
    public AgentTask ReadTask(DbDataReader r)
    {
        var kind = r.IsDBNull(6) ? (TriggerKind?)null : EnumText.Parse<TriggerKind>(r.GetString(6), "trigger_kind");
        return new AgentTask
        {
            Id = r.GetString(0),
            Slug = r.GetString(1),
            Name = r.GetString(2),
            Instructions = r.GetString(3),
            Status = EnumText.Parse<TaskState>(r.GetString(4), "status"),
            StatusReason = String(r, 5),
            Trigger = kind is { } k ? Trigger.Create(k, r.GetString(7), String(r, 8), Time(r, 9)) : null,
            Agent = new AgentSelection
            {
                Provider = r.GetString(10),
                Model = String(r, 11),
                Command = String(r, 12),
                Cwd = String(r, 13),
                Permissions = String(r, 32) is { } permissions ? EnumText.Parse<AgentPermissions>(permissions, "agent_permissions") : null,
            },
            Thread = String(r, 14) is { } thread ? ThreadAnchor.Parse(thread, "thread") : null,
            Deliver = String(r, 35) is { } deliver ? [.. deliver.Split('\n').Select(d => DeliveryTarget.Parse(d, "deliver"))] : [],
            Policies = new TaskPolicies
            {
                Timeout = dialect.ReadDuration(r, 15),
                Retries = r.GetInt32(16),
                Overlap = EnumText.Parse<OverlapPolicy>(r.GetString(17), "overlap"),
                Misfire = EnumText.Parse<MisfirePolicy>(r.GetString(18), "misfire"),
                CatchUp = dialect.ReadDuration(r, 19),
                Jitter = dialect.ReadDuration(r, 20),
                MaxConsecutiveFailures = r.GetInt32(21),
                RecurringFollowUps = dialect.ReadFlag(r, 34),
            },
            CreatedByRun = String(r, 33),
            NextFireAt = Time(r, 22),
            LastRunId = String(r, 23),
            LastRunAt = Time(r, 24),
            LastRunStatus = r.IsDBNull(25) ? null : EnumText.Parse<RunStatus>(r.GetString(25), "last_run_status"),
            LastSummary = String(r, 26),
            LastError = String(r, 27),
            ConsecutiveFailures = r.GetInt32(28),
            CreatedAt = dialect.ReadInstant(r, 29),
            UpdatedAt = dialect.ReadInstant(r, 30),
            Version = r.GetInt64(31),
        };
    }

    /// <summary>A run from a row of <see cref="RunColumns"/>.</summary>
    public TaskRun ReadRun(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        TaskId = r.GetString(1),
        Occurrence = r.GetString(2),
        Trigger = EnumText.Parse<RunTrigger>(r.GetString(3), "trigger"),
        ScheduledFor = dialect.ReadInstant(r, 4),
        NotBefore = dialect.ReadInstant(r, 5),
        Attempt = r.GetInt32(6),
        Status = EnumText.Parse<RunStatus>(r.GetString(7), "status"),
        Exclusive = dialect.ReadFlag(r, 8),
        LeaseOwner = String(r, 9),
        LeaseExpiresAt = Time(r, 10),
        CancelRequested = dialect.ReadFlag(r, 11),
        CreatedAt = dialect.ReadInstant(r, 12),
        StartedAt = Time(r, 13),
        FinishedAt = Time(r, 14),
        Agent = String(r, 15),
        Model = String(r, 16),
        SessionId = String(r, 17),
        ExitCode = r.IsDBNull(18) ? null : r.GetInt32(18),
        Output = String(r, 19),
        Summary = String(r, 20),
        Error = String(r, 21),
        Host = String(r, 22),
        Pid = r.IsDBNull(23) ? null : r.GetInt32(23),
        PidIdentity = String(r, 24),
        InputTokens = r.IsDBNull(25) ? null : r.GetInt64(25),
        OutputTokens = r.IsDBNull(26) ? null : r.GetInt64(26),
        CostUsd = r.IsDBNull(27) ? null : r.GetDecimal(27),
        Node = String(r, 28),
    };

    /// <summary>A nullable instant column.</summary>
    public DateTimeOffset? Time(DbDataReader r, int i) => r.IsDBNull(i) ? null : dialect.ReadInstant(r, i);

    /// <summary>A nullable text column.</summary>
    public static string? String(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
