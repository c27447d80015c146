using AgentCron.Core.Triggers;

namespace AgentCron.Core.Contracts;

/// <summary>
/// A task as clients write it (API body, CLI flags, YAML). On create, <see cref="Instructions"/> is required and everything
/// else has a default; on update, a null member means "leave as it is".
/// </summary>
public sealed record TaskInput
{
    public string? Name { get; init; }
    public string? Slug { get; init; }
    public string? Instructions { get; init; }

    /// <summary>When to run; an object with none of its members set makes the task manual-only.</summary>
    public TriggerInput? Trigger { get; init; }

    public AgentInput? Agent { get; init; }

    /// <summary><c>platform:channel[:thread]</c>; an empty string removes the anchor.</summary>
    public string? Thread { get; init; }

    /// <summary>Where results go besides the thread: <c>NAME[:CHANNEL[:THREAD]]</c> each; an empty list removes them all.</summary>
    public IReadOnlyList<string>? Deliver { get; init; }

    public PoliciesInput? Policies { get; init; }

    /// <summary>On create: also queue a manual run right away.</summary>
    public bool? RunNow { get; init; }

    /// <summary>On create: false creates the task paused.</summary>
    public bool? Active { get; init; }
}

public sealed record AgentInput
{
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? Command { get; init; }
    public string? Cwd { get; init; }

    /// <summary><c>read_only</c> (default), <c>edit</c> or <c>full</c>; for agent CLIs, not the command agent. An empty string resets it.</summary>
    public string? Permissions { get; init; }
}

/// <summary>Durations are written like <c>30m</c>, <c>2h</c>, <c>1h30m</c> or ISO 8601 (<c>PT30M</c>).</summary>
public sealed record PoliciesInput
{
    public string? Timeout { get; init; }
    public int? Retries { get; init; }
    public string? Overlap { get; init; }
    public string? Misfire { get; init; }
    public string? CatchUp { get; init; }
    public string? Jitter { get; init; }
    public int? MaxConsecutiveFailures { get; init; }

    /// <summary>Lets this task's agent create recurring tasks with its run token (default false: one-time follow-ups only).</summary>
    public bool? RecurringFollowUps { get; init; }
}
