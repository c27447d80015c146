using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Storage;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

/// <summary>Maps tasks and runs to and from rows. Instants are stored as microseconds since the Unix epoch.</summary>
internal static class Rows
{
    /// <summary>The task columns, in the order <see cref="RowReader.ReadTask"/> reads them.</summary>
    public const string TaskColumns = """
        id, slug, name, instructions, status, status_reason, trigger_kind, trigger_expr, trigger_tz, trigger_anchor,
        agent_provider, agent_model, agent_command, agent_cwd, thread, timeout_ms, retries, overlap, misfire, catch_up_ms,
        jitter_ms, max_failures, next_fire_at, last_run_id, last_run_at, last_run_status, last_summary, last_error,
        consecutive_failures, created_at, updated_at, version, agent_permissions, created_by_run, recurring_follow_ups
        """;

    /// <summary>The run columns, in the order <see cref="RowReader.ReadRun"/> reads them.</summary>
    public const string RunColumns = """
        id, task_id, occurrence, trigger, scheduled_for, not_before, attempt, status, exclusive, lease_owner,
        lease_expires_at, cancel_requested, created_at, started_at, finished_at, agent, model, session_id, exit_code,
        output, summary, error, host, pid, pid_identity, input_tokens, output_tokens, cost_usd
        """;

    public static long Micros(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static object Micros(DateTimeOffset? instant) => instant is { } i ? Micros(i) : DBNull.Value;

    public static DateTimeOffset Instant(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    public static void Add(this SqliteParameterCollection parameters, string name, object? value) =>
        parameters.AddWithValue(name, value ?? DBNull.Value);

    /// <summary>Reads tasks and runs in this dialect; the mapping itself is shared with the other stores.</summary>
    private static readonly SqliteRowReader Reader = new();

    public static AgentTask ReadTask(SqliteDataReader r) => Reader.ReadTask(r);

    /// <summary>Binds every task column as <c>$column</c>.</summary>
    public static void BindTask(SqliteCommand command, AgentTask t)
    {
        var p = command.Parameters;
        p.Add("$id", t.Id);
        p.Add("$slug", t.Slug);
        p.Add("$name", t.Name);
        p.Add("$instructions", t.Instructions);
        p.Add("$trigger_kind", t.Trigger is { } trigger ? EnumText.ToText(trigger.Kind) : null);
        p.Add("$trigger_expr", t.Trigger?.Expression);
        p.Add("$trigger_tz", t.Trigger?.TimeZoneId);
        p.Add("$trigger_anchor", Micros(t.Trigger?.Anchor));
        p.Add("$agent_provider", t.Agent.Provider);
        p.Add("$agent_model", t.Agent.Model);
        p.Add("$agent_command", t.Agent.Command);
        p.Add("$agent_cwd", t.Agent.Cwd);
        p.Add("$agent_permissions", t.Agent.Permissions is { } permissions ? EnumText.ToText(permissions) : null);
        p.Add("$thread", t.Thread?.ToString());
        p.Add("$timeout_ms", (long)t.Policies.Timeout.TotalMilliseconds);
        p.Add("$retries", t.Policies.Retries);
        p.Add("$overlap", EnumText.ToText(t.Policies.Overlap));
        p.Add("$misfire", EnumText.ToText(t.Policies.Misfire));
        p.Add("$catch_up_ms", (long)t.Policies.CatchUp.TotalMilliseconds);
        p.Add("$jitter_ms", (long)t.Policies.Jitter.TotalMilliseconds);
        p.Add("$max_failures", t.Policies.MaxConsecutiveFailures);
        p.Add("$recurring_follow_ups", t.Policies.RecurringFollowUps ? 1 : 0);
        p.Add("$created_by_run", t.CreatedByRun);
        p.Add("$created_at", Micros(t.CreatedAt));
        BindTaskState(command, t);
    }

    /// <summary>Binds the columns the engine writes: status, next fire time and the last-run fields.</summary>
    public static void BindTaskState(SqliteCommand command, AgentTask t)
    {
        var p = command.Parameters;
        p.Add("$status", EnumText.ToText(t.Status));
        p.Add("$status_reason", t.StatusReason);
        p.Add("$next_fire_at", Micros(t.NextFireAt));
        p.Add("$last_run_id", t.LastRunId);
        p.Add("$last_run_at", Micros(t.LastRunAt));
        p.Add("$last_run_status", t.LastRunStatus is { } s ? EnumText.ToText(s) : null);
        p.Add("$last_summary", t.LastSummary);
        p.Add("$last_error", t.LastError);
        p.Add("$consecutive_failures", t.ConsecutiveFailures);
        p.Add("$updated_at", Micros(t.UpdatedAt));
    }

    public static TaskRun ReadRun(SqliteDataReader r) => Reader.ReadRun(r);

    /// <summary>Binds every run column as <c>$column</c>.</summary>
    public static void BindRun(SqliteCommand command, TaskRun run)
    {
        var p = command.Parameters;
        p.Add("$id", run.Id);
        p.Add("$task_id", run.TaskId);
        p.Add("$occurrence", run.Occurrence);
        p.Add("$trigger", EnumText.ToText(run.Trigger));
        p.Add("$scheduled_for", Micros(run.ScheduledFor));
        p.Add("$exclusive", run.Exclusive ? 1 : 0);
        p.Add("$created_at", Micros(run.CreatedAt));
        BindRunState(command, run);
    }

    /// <summary>Binds the columns that change as a run goes through its attempts.</summary>
    public static void BindRunState(SqliteCommand command, TaskRun run)
    {
        var p = command.Parameters;
        p.Add("$not_before", Micros(run.NotBefore));
        p.Add("$attempt", run.Attempt);
        p.Add("$status", EnumText.ToText(run.Status));
        p.Add("$lease_owner", run.LeaseOwner);
        p.Add("$lease_expires_at", Micros(run.LeaseExpiresAt));
        p.Add("$cancel_requested", run.CancelRequested ? 1 : 0);
        p.Add("$started_at", Micros(run.StartedAt));
        p.Add("$finished_at", Micros(run.FinishedAt));
        p.Add("$agent", run.Agent);
        p.Add("$model", run.Model);
        p.Add("$session_id", run.SessionId);
        p.Add("$exit_code", run.ExitCode);
        p.Add("$output", run.Output);
        p.Add("$summary", run.Summary);
        p.Add("$error", run.Error);
        p.Add("$host", run.Host);
        p.Add("$pid", run.Pid);
        p.Add("$pid_identity", run.PidIdentity);
        p.Add("$input_tokens", run.InputTokens);
        p.Add("$output_tokens", run.OutputTokens);
        p.Add("$cost_usd", run.CostUsd);
    }

    public static List<T> Query<T>(SqliteConnection connection, string sql, Action<SqliteCommand>? bind, Func<SqliteDataReader, T> read)
    {
        var command = Command(connection, sql);
        bind?.Invoke(command);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static int Execute(SqliteConnection connection, string sql, Action<SqliteCommand> bind)
    {
        var command = Command(connection, sql);
        bind(command);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql, Action<SqliteCommand>? bind = null)
    {
        var command = Command(connection, sql);
        bind?.Invoke(command);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>A scalar query whose answer is an instant (e.g. <c>MIN(next_fire_at)</c>), or null when there is none.</summary>
    public static DateTimeOffset? ScalarInstant(SqliteConnection connection, string sql, Action<SqliteCommand>? bind = null) =>
        Scalar(connection, sql, bind) is long micros ? Instant(micros) : null;

    /// <summary>
    /// The connection's command for <paramref name="sql"/>, created once and kept with the connection, so SQLite compiles
    /// each statement once per connection instead of on every call (the writer connection lives as long as the daemon).
    /// Its parameters are cleared for the caller. A connection is only ever used by one thread at a time.
    /// </summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var commands = Prepared.GetValue(connection, _ => new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            commands[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Prepared = new();

    /// <summary>The SQLite encodings: instants as microseconds since the Unix epoch, durations as milliseconds, flags as 0/1.</summary>
    private sealed class SqliteRowReader : RowReader
    {
        protected override DateTimeOffset Instant(DbDataReader r, int i) => Rows.Instant(r.GetInt64(i));

        protected override TimeSpan Duration(DbDataReader r, int i) => TimeSpan.FromMilliseconds(r.GetInt64(i));

        protected override bool Flag(DbDataReader r, int i) => r.GetInt64(i) != 0;
    }
}
