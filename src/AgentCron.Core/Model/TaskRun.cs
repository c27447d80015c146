namespace AgentCron.Core.Model;

/// <summary>
/// One execution of a task for one occurrence. The store keeps <c>(TaskId, Occurrence)</c> unique, which is what makes
/// firing exactly-once across processes. A retry is a new <see cref="Attempt"/> of the same run.
/// </summary>
public sealed record TaskRun
{
    public required string Id { get; init; }
    public required string TaskId { get; init; }

    /// <summary>The unique occurrence key: <c>sched:{instant}</c>, <c>manual:{run id}</c>, <c>missed:{instant}</c>.</summary>
    public required string Occurrence { get; init; }

    public RunTrigger Trigger { get; init; }
    public DateTimeOffset ScheduledFor { get; init; }

    /// <summary>Earliest start: the occurrence plus jitter, or the retry backoff.</summary>
    public DateTimeOffset NotBefore { get; init; }

    public int Attempt { get; init; } = 1;
    public RunStatus Status { get; init; } = RunStatus.Queued;

    /// <summary>False when the task's overlap policy is <c>allow</c>: exclusive runs of a task never run at the same time.</summary>
    public bool Exclusive { get; init; } = true;

    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public bool CancelRequested { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    public string? Agent { get; init; }
    public string? Model { get; init; }
    public string? SessionId { get; init; }
    public int? ExitCode { get; init; }
    public string? Output { get; init; }

    /// <summary>Tokens and cost of the attempt that finished the run, where the agent reports them.</summary>
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public decimal? CostUsd { get; init; }
    public string? Summary { get; init; }
    public string? Error { get; init; }

    /// <summary>
    /// The node (daemon, <c>Engine:NodeId</c>) that took the latest attempt; kept after the run ends, so a cluster's
    /// operator sees where each run happened.
    /// </summary>
    public string? Node { get; init; }

    /// <summary>Host and process id of the agent process of the current attempt, so a restarted daemon can kill an orphan.</summary>
    public string? Host { get; init; }
    public int? Pid { get; init; }

    /// <summary>The agent process's identity as its runner reported it (<see cref="Ports.StartedProcess"/>), checked before an orphan is killed.</summary>
    public string? PidIdentity { get; init; }

    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);
}

public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    Skipped,
}

/// <summary>What created the run.</summary>
public enum RunTrigger
{
    Schedule,
    Manual,
    CatchUp,
}
