using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Storage;
using Npgsql;

namespace AgentCron.Postgres;

/// <summary>
/// Maps tasks and runs to and from rows: the column lists (in reader order) and their named parameters
/// (<c>@column</c>). PostgreSQL keeps instants, durations and flags in their own types, so nothing is encoded here.
/// </summary>
internal static class Rows
{
    /// <summary>The task columns, in the order <see cref="RowReader.ReadTask"/> reads them.</summary>
    public const string TaskColumns = """
        id, slug, name, instructions, status, status_reason, trigger_kind, trigger_expr, trigger_tz, trigger_anchor,
        agent_provider, agent_model, agent_command, agent_cwd, thread, timeout, retries, overlap, misfire, catch_up,
        jitter, max_failures, next_fire_at, last_run_id, last_run_at, last_run_status, last_summary, last_error,
        consecutive_failures, created_at, updated_at, version, agent_permissions, created_by_run, recurring_follow_ups
        """;

    /// <summary>The run columns, in the order <see cref="RowReader.ReadRun"/> reads them.</summary>
    public const string RunColumns = """
        id, task_id, occurrence, trigger, scheduled_for, not_before, attempt, status, exclusive, lease_owner,
        lease_expires_at, cancel_requested, created_at, started_at, finished_at, agent, model, session_id, exit_code,
        output, summary, error, host, pid, pid_identity, input_tokens, output_tokens, cost_usd
        """;

    /// <summary><see cref="RunColumns"/> of the table <c>runs</c> by name, for statements that join it.</summary>
    public static readonly string RunColumnsOfRuns = string.Join(", ", RunColumns.Split(',', StringSplitOptions.TrimEntries).Select(c => "runs." + c));

    /// <summary>Reads tasks and runs in this dialect; the mapping itself is shared with the other stores.</summary>
    private static readonly PostgresRowReader Reader = new();

    public static AgentTask ReadTask(NpgsqlDataReader r) => Reader.ReadTask(r);

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

    public static TaskRun ReadRun(NpgsqlDataReader r) => Reader.ReadRun(r);

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

    public static DateTimeOffset Instant(DbDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);

    public static DateTimeOffset? Time(DbDataReader r, int i) => r.IsDBNull(i) ? null : Instant(r, i);

    /// <summary>PostgreSQL's own types: timestamptz, interval, boolean.</summary>
    private sealed class PostgresRowReader : RowReader
    {
        protected override DateTimeOffset Instant(DbDataReader r, int i) => Rows.Instant(r, i);

        protected override TimeSpan Duration(DbDataReader r, int i) => r.GetFieldValue<TimeSpan>(i);

        protected override bool Flag(DbDataReader r, int i) => r.GetBoolean(i);
    }
}
