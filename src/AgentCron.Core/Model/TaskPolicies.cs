namespace AgentCron.Core.Model;

/// <summary>How runs of a task behave. Every policy has a default, so a task may leave all of them out.</summary>
public sealed record TaskPolicies
{
    /// <summary>The agent's whole process tree is killed at this limit and the attempt ends <c>timed_out</c>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Further attempts after a failed, timed-out or crashed attempt (0 = none).</summary>
    public int Retries { get; init; } = 2;

    /// <summary>What a recurring occurrence does when an earlier run of the task is still queued or running.</summary>
    public OverlapPolicy Overlap { get; init; } = OverlapPolicy.Skip;

    /// <summary>What happens to occurrences missed while no scheduler was running.</summary>
    public MisfirePolicy Misfire { get; init; } = MisfirePolicy.Once;

    /// <summary>
    /// An occurrence later than this is not caught up: it is recorded <c>skipped</c> with the reason.
    /// Lateness up to <see cref="Engine.SchedulerOptions.MisfireThreshold"/> is ordinary, not a misfire, whatever this
    /// window: a window shorter than the threshold means "never catch up" (as <see cref="MisfirePolicy.Skip"/>).
    /// </summary>
    public TimeSpan CatchUp { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Each run starts at a random delay in [0, Jitter) after its occurrence, to spread load.</summary>
    public TimeSpan Jitter { get; init; } = TimeSpan.Zero;

    /// <summary>The task is paused after this many failed runs in a row (0 = never).</summary>
    public int MaxConsecutiveFailures { get; init; } = 5;

    /// <summary>Whether this task's agent may schedule recurring tasks (one-time follow-ups are always allowed).</summary>
    public bool RecurringFollowUps { get; init; }
}

public enum OverlapPolicy
{
    /// <summary>Record the new occurrence as skipped.</summary>
    Skip,

    /// <summary>Buffer one run that starts when the current one ends; further occurrences are skipped.</summary>
    Queue,

    /// <summary>Run concurrently.</summary>
    Allow,

    /// <summary>Cancel the running run and start the new one.</summary>
    Replace,
}

public enum MisfirePolicy
{
    /// <summary>
    /// One run for the outage: a catch-up run for the latest missed occurrence, unless an occurrence due on time runs
    /// anyway; the other missed occurrences are recorded as one skipped run.
    /// </summary>
    Once,

    /// <summary>Record the missed occurrences as skipped and wait for the next one.</summary>
    Skip,

    /// <summary>Run every missed occurrence inside the catch-up window, up to <see cref="Engine.SchedulerOptions.MaxCatchUpRuns"/>.</summary>
    All,
}
