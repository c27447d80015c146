using AgentCron.Core.Model;
using AgentCron.Core.Triggers;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

/// <summary>Maps tasks and runs to and from rows. Instants are stored as microseconds since the Unix epoch.</summary>
internal static class Rows
{
    public const string TaskColumns = """
        id, slug, name, instructions, status, status_reason, trigger_kind, trigger_expr, trigger_tz, trigger_anchor,
        agent_provider, agent_model, agent_command, agent_cwd, thread, timeout_ms, retries, overlap, misfire, catch_up_ms,
        jitter_ms, max_failures, next_fire_at, last_run_id, last_run_at, last_run_status, last_summary, last_error,
        consecutive_failures, created_at, updated_at, version, agent_permissions, created_by_run, recurring_follow_ups
        """;

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

    public static AgentTask ReadTask(SqliteDataReader r)
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
                Timeout = TimeSpan.FromMilliseconds(r.GetInt64(15)),
                Retries = r.GetInt32(16),
                Overlap = EnumText.Parse<OverlapPolicy>(r.GetString(17), "overlap"),
                Misfire = EnumText.Parse<MisfirePolicy>(r.GetString(18), "misfire"),
                CatchUp = TimeSpan.FromMilliseconds(r.GetInt64(19)),
                Jitter = TimeSpan.FromMilliseconds(r.GetInt64(20)),
                MaxConsecutiveFailures = r.GetInt32(21),
                RecurringFollowUps = r.GetInt64(34) != 0,
            },
            CreatedByRun = String(r, 33),
            NextFireAt = Time(r, 22),
            LastRunId = String(r, 23),
            LastRunAt = Time(r, 24),
            LastRunStatus = r.IsDBNull(25) ? null : EnumText.Parse<RunStatus>(r.GetString(25), "last_run_status"),
            LastSummary = String(r, 26),
            LastError = String(r, 27),
            ConsecutiveFailures = r.GetInt32(28),
            CreatedAt = Instant(r.GetInt64(29)),
            UpdatedAt = Instant(r.GetInt64(30)),
            Version = r.GetInt64(31),
        };
    }

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

    public static TaskRun ReadRun(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        TaskId = r.GetString(1),
        Occurrence = r.GetString(2),
        Trigger = EnumText.Parse<RunTrigger>(r.GetString(3), "trigger"),
        ScheduledFor = Instant(r.GetInt64(4)),
        NotBefore = Instant(r.GetInt64(5)),
        Attempt = r.GetInt32(6),
        Status = EnumText.Parse<RunStatus>(r.GetString(7), "status"),
        Exclusive = r.GetInt64(8) != 0,
        LeaseOwner = String(r, 9),
        LeaseExpiresAt = Time(r, 10),
        CancelRequested = r.GetInt64(11) != 0,
        CreatedAt = Instant(r.GetInt64(12)),
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

    private static string? String(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : Instant(r.GetInt64(i));
}
