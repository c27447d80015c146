using System.Data.Common;
using AgentCron.Core.Model;
using AgentCron.Core.Triggers;

namespace AgentCron.Core.Storage;

/// <summary>
/// Reads tasks and runs from database rows. Every store selects the same columns in the same order (its
/// <c>TaskColumns</c> and <c>RunColumns</c>) and maps them the same way; the databases differ only in how they keep
/// what has no common SQL type — instants, durations and flags — so a dialect overrides just those three reads
/// (SQLite: integer microseconds, integer milliseconds, 0/1; PostgreSQL: timestamptz, interval, boolean).
/// </summary>
public abstract class RowReader
{
    /// <summary>A non-null instant column.</summary>
    protected abstract DateTimeOffset Instant(DbDataReader r, int i);

    /// <summary>A non-null duration column (timeout, catch-up, jitter).</summary>
    protected abstract TimeSpan Duration(DbDataReader r, int i);

    /// <summary>A non-null true/false column.</summary>
    protected abstract bool Flag(DbDataReader r, int i);

    /// <summary>A task from a row of its <c>TaskColumns</c>.</summary>
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
            Policies = new TaskPolicies
            {
                Timeout = Duration(r, 15),
                Retries = r.GetInt32(16),
                Overlap = EnumText.Parse<OverlapPolicy>(r.GetString(17), "overlap"),
                Misfire = EnumText.Parse<MisfirePolicy>(r.GetString(18), "misfire"),
                CatchUp = Duration(r, 19),
                Jitter = Duration(r, 20),
                MaxConsecutiveFailures = r.GetInt32(21),
                RecurringFollowUps = Flag(r, 34),
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

    /// <summary>A run from a row of its <c>RunColumns</c>.</summary>
    public TaskRun ReadRun(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        TaskId = r.GetString(1),
        Occurrence = r.GetString(2),
        Trigger = EnumText.Parse<RunTrigger>(r.GetString(3), "trigger"),
        ScheduledFor = Instant(r, 4),
        NotBefore = Instant(r, 5),
        Attempt = r.GetInt32(6),
        Status = EnumText.Parse<RunStatus>(r.GetString(7), "status"),
        Exclusive = Flag(r, 8),
        LeaseOwner = String(r, 9),
        LeaseExpiresAt = Time(r, 10),
        CancelRequested = Flag(r, 11),
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

    private DateTimeOffset? Time(DbDataReader r, int i) => r.IsDBNull(i) ? null : Instant(r, i);

    private static string? String(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
