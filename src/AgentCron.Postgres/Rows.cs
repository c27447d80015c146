using AgentCron.Core.Model;
using AgentCron.Core.Triggers;
using Npgsql;

namespace AgentCron.Postgres;

/// <summary>
/// Maps tasks and runs to and from rows: the column lists (in reader order) and their named parameters
/// (<c>@column</c>). PostgreSQL keeps instants, durations and flags in their own types, so nothing is encoded here.
/// </summary>
internal static class Rows
{
    public const string TaskColumns = """
        id, slug, name, instructions, status, status_reason, trigger_kind, trigger_expr, trigger_tz, trigger_anchor,
        agent_provider, agent_model, agent_command, agent_cwd, thread, timeout, retries, overlap, misfire, catch_up,
        jitter, max_failures, next_fire_at, last_run_id, last_run_at, last_run_status, last_summary, last_error,
        consecutive_failures, created_at, updated_at, version, agent_permissions, created_by_run, recurring_follow_ups
        """;

    public const string RunColumns = """
        id, task_id, occurrence, trigger, scheduled_for, not_before, attempt, status, exclusive, lease_owner,
        lease_expires_at, cancel_requested, created_at, started_at, finished_at, agent, model, session_id, exit_code,
        output, summary, error, host, pid, pid_identity, input_tokens, output_tokens, cost_usd
        """;

    /// <summary><see cref="RunColumns"/> of the table <c>runs</c> by name, for statements that join it.</summary>
    public static readonly string RunColumnsOfRuns = string.Join(", ", RunColumns.Split(',', StringSplitOptions.TrimEntries).Select(c => "runs." + c));

    public static AgentTask ReadTask(NpgsqlDataReader r)
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
            Policies = new TaskPolicies
            {
                Timeout = r.GetFieldValue<TimeSpan>(15),
                Retries = r.GetInt32(16),
                Overlap = EnumText.Parse<OverlapPolicy>(r.GetString(17), "overlap"),
                Misfire = EnumText.Parse<MisfirePolicy>(r.GetString(18), "misfire"),
                CatchUp = r.GetFieldValue<TimeSpan>(19),
                Jitter = r.GetFieldValue<TimeSpan>(20),
                MaxConsecutiveFailures = r.GetInt32(21),
                RecurringFollowUps = r.GetBoolean(34),
            },
            CreatedByRun = String(r, 33),
            NextFireAt = Time(r, 22),
            LastRunId = String(r, 23),
            LastRunAt = Time(r, 24),
            LastRunStatus = r.IsDBNull(25) ? null : EnumText.Parse<RunStatus>(r.GetString(25), "last_run_status"),
            LastSummary = String(r, 26),
            LastError = String(r, 27),
            ConsecutiveFailures = r.GetInt32(28),
            CreatedAt = Instant(r, 29),
            UpdatedAt = Instant(r, 30),
            Version = r.GetInt64(31),
        };
    }

    /// <summary>Every task column as <c>@column</c>.</summary>
    public static List<NpgsqlParameter> TaskParameters(AgentTask t) =>
    [
        Sql.Text("id", t.Id),
        Sql.Text("slug", t.Slug),
        Sql.Text("name", t.Name),
        Sql.Text("instructions", t.Instructions),
        Sql.Text("trigger_kind", t.Trigger is { } trigger ? EnumText.ToText(trigger.Kind) : null),
        Sql.Text("trigger_expr", t.Trigger?.Expression),
        Sql.Text("trigger_tz", t.Trigger?.TimeZoneId),
        Sql.Time("trigger_anchor", t.Trigger?.Anchor),
        Sql.Text("agent_provider", t.Agent.Provider),
        Sql.Text("agent_model", t.Agent.Model),
        Sql.Text("agent_command", t.Agent.Command),
        Sql.Text("agent_cwd", t.Agent.Cwd),
        Sql.Text("agent_permissions", t.Agent.Permissions is { } permissions ? EnumText.ToText(permissions) : null),
        Sql.Text("thread", t.Thread?.ToString()),
        Sql.Interval("timeout", t.Policies.Timeout),
        Sql.Int("retries", t.Policies.Retries),
        Sql.Text("overlap", EnumText.ToText(t.Policies.Overlap)),
        Sql.Text("misfire", EnumText.ToText(t.Policies.Misfire)),
        Sql.Interval("catch_up", t.Policies.CatchUp),
        Sql.Interval("jitter", t.Policies.Jitter),
        Sql.Int("max_failures", t.Policies.MaxConsecutiveFailures),
        Sql.Bool("recurring_follow_ups", t.Policies.RecurringFollowUps),
        Sql.Text("created_by_run", t.CreatedByRun),
        Sql.Time("created_at", t.CreatedAt),
        .. TaskStateParameters(t),
    ];

    /// <summary>The columns the engine writes on a task — status, next fire time, the last-run fields — and its id.</summary>
    public static List<NpgsqlParameter> TaskStateParameters(AgentTask t) =>
    [
        Sql.Text("task_id", t.Id),
        Sql.Text("status", EnumText.ToText(t.Status)),
        Sql.Text("status_reason", t.StatusReason),
        Sql.Time("next_fire_at", t.NextFireAt),
        Sql.Text("last_run_id", t.LastRunId),
        Sql.Time("last_run_at", t.LastRunAt),
        Sql.Text("last_run_status", t.LastRunStatus is { } s ? EnumText.ToText(s) : null),
        Sql.Text("last_summary", t.LastSummary),
        Sql.Text("last_error", t.LastError),
        Sql.Int("consecutive_failures", t.ConsecutiveFailures),
        Sql.Time("updated_at", t.UpdatedAt),
    ];

    public static TaskRun ReadRun(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        TaskId = r.GetString(1),
        Occurrence = r.GetString(2),
        Trigger = EnumText.Parse<RunTrigger>(r.GetString(3), "trigger"),
        ScheduledFor = Instant(r, 4),
        NotBefore = Instant(r, 5),
        Attempt = r.GetInt32(6),
        Status = EnumText.Parse<RunStatus>(r.GetString(7), "status"),
        Exclusive = r.GetBoolean(8),
        LeaseOwner = String(r, 9),
        LeaseExpiresAt = Time(r, 10),
        CancelRequested = r.GetBoolean(11),
        CreatedAt = Instant(r, 12),
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
    };

    /// <summary>Every run column as <c>@column</c>.</summary>
    public static List<NpgsqlParameter> RunParameters(TaskRun run) =>
    [
        Sql.Text("task_id", run.TaskId),
        Sql.Text("occurrence", run.Occurrence),
        Sql.Text("trigger", EnumText.ToText(run.Trigger)),
        Sql.Time("scheduled_for", run.ScheduledFor),
        Sql.Bool("exclusive", run.Exclusive),
        Sql.Time("created_at", run.CreatedAt),
        .. RunStateParameters(run),
    ];

    /// <summary>The columns that change as a run goes through its attempts, and its id.</summary>
    public static List<NpgsqlParameter> RunStateParameters(TaskRun run) =>
    [
        Sql.Text("id", run.Id),
        Sql.Time("not_before", run.NotBefore),
        Sql.Int("attempt", run.Attempt),
        Sql.Text("status", EnumText.ToText(run.Status)),
        Sql.Text("lease_owner", run.LeaseOwner),
        Sql.Time("lease_expires_at", run.LeaseExpiresAt),
        Sql.Bool("cancel_requested", run.CancelRequested),
        Sql.Time("started_at", run.StartedAt),
        Sql.Time("finished_at", run.FinishedAt),
        Sql.Text("agent", run.Agent),
        Sql.Text("model", run.Model),
        Sql.Text("session_id", run.SessionId),
        Sql.Int("exit_code", run.ExitCode),
        Sql.Text("output", run.Output),
        Sql.Text("summary", run.Summary),
        Sql.Text("error", run.Error),
        Sql.Text("host", run.Host),
        Sql.Int("pid", run.Pid),
        Sql.Text("pid_identity", run.PidIdentity),
        Sql.Long("input_tokens", run.InputTokens),
        Sql.Long("output_tokens", run.OutputTokens),
        Sql.Numeric("cost_usd", run.CostUsd),
    ];

    public static DateTimeOffset Instant(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);

    public static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private static string? String(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

/// <summary>Keyset pagination: fetch one row more than asked to know whether a next page exists.</summary>
internal static class Paging
{
    public static Core.Ports.Page<T> Page<T>(List<T> rows, int limit, Func<T, string> key) =>
        rows.Count > limit ? new Core.Ports.Page<T>(rows[..limit], key(rows[limit - 1])) : new Core.Ports.Page<T>(rows, null);
}
