using AgentCron.Core.Triggers;

namespace AgentCron.Core.Model;

/// <summary>
/// The one unit of work: what to run (<see cref="Instructions"/> with <see cref="Agent"/>), when
/// (<see cref="Trigger"/>; null means manual runs only) and how (<see cref="Policies"/>).
/// The runtime fields (<see cref="NextFireAt"/>, <c>Last*</c>, <see cref="ConsecutiveFailures"/>) are written
/// by the engine only; clients never set them.
/// </summary>
public sealed record AgentTask
{
    public required string Id { get; init; }
    public required string Slug { get; init; }
    public required string Name { get; init; }
    public required string Instructions { get; init; }
    public TaskState Status { get; init; } = TaskState.Active;
    public Trigger? Trigger { get; init; }
    public AgentSelection Agent { get; init; } = new();
    public ThreadAnchor? Thread { get; init; }

    /// <summary>Where results go besides the thread (<c>--deliver</c>); the thread itself is a target when a channel serves it.</summary>
    public IReadOnlyList<DeliveryTarget> Deliver { get; init; } = [];
    public TaskPolicies Policies { get; init; } = new();

    public DateTimeOffset? NextFireAt { get; init; }
    public string? LastRunId { get; init; }
    public DateTimeOffset? LastRunAt { get; init; }
    public RunStatus? LastRunStatus { get; init; }
    public string? LastSummary { get; init; }
    public string? LastError { get; init; }
    public int ConsecutiveFailures { get; init; }

    /// <summary>Why the task is paused (set by the engine on auto-pause, or "paused by user").</summary>
    public string? StatusReason { get; init; }

    /// <summary>The run whose agent created this task as a follow-up (with its run-scoped token), if any.</summary>
    public string? CreatedByRun { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Optimistic-concurrency version, incremented on every write.</summary>
    public long Version { get; init; }

    /// <summary>True for tasks whose trigger fires once (<c>at</c>) or that have no trigger.</summary>
    public bool IsOneTime => Trigger is null or AtTrigger;
}

/// <summary>Task life cycle. Recurring tasks are only ever Active or Paused; a one-time task ends in a terminal state.</summary>
public enum TaskState
{
    Active,
    Paused,
    Succeeded,
    Failed,
    Cancelled,
    Skipped,
}

/// <summary>Which agent runs the task. <see cref="Provider"/> is a runner id such as <c>command</c>.</summary>
public sealed record AgentSelection
{
    public string Provider { get; init; } = "command";
    public string? Model { get; init; }

    /// <summary>For the <c>command</c> provider: the program and its arguments, split like a shell would but never run through one.</summary>
    public string? Command { get; init; }

    /// <summary>Working directory of the agent process; the daemon's data directory when null.</summary>
    public string? Cwd { get; init; }

    /// <summary>What an agent CLI may do beyond reading; null is the provider's documented default (read-only).</summary>
    public AgentPermissions? Permissions { get; init; }
}

/// <summary>The permission posture of an agent CLI.</summary>
public enum AgentPermissions
{
    /// <summary>Read and answer; tools that change files or run commands are refused (the default).</summary>
    ReadOnly,

    /// <summary>May also edit and create files in its working directory.</summary>
    Edit,

    /// <summary>May also run shell commands.</summary>
    Full,
}

/// <summary>A chat thread a task belongs to: <c>platform:channel[:thread]</c>.</summary>
public sealed record ThreadAnchor(string Platform, string Channel, string? Thread)
{
    public override string ToString() => Thread is null ? $"{Platform}:{Channel}" : $"{Platform}:{Channel}:{Thread}";

    /// <summary>Parses <c>platform:channel[:thread]</c>; throws <see cref="InvalidFieldException"/> on <paramref name="field"/>.</summary>
    public static ThreadAnchor Parse(string text, string field)
    {
        var parts = text.Trim().Split(':', 3);
        if (parts.Length < 2 || parts.Any(string.IsNullOrWhiteSpace) || text.Any(char.IsControl))
        {
            throw new InvalidFieldException(field, $"'{text}' is not a thread; write PLATFORM:CHANNEL or PLATFORM:CHANNEL:THREAD, e.g. slack:C024BE91L:1700000000.000100");
        }

        return new ThreadAnchor(parts[0].ToLowerInvariant(), parts[1], parts.Length == 3 ? parts[2] : null);
    }
}
