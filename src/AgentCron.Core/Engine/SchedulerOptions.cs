namespace AgentCron.Core.Engine;

/// <summary>Engine settings (configuration section <c>Engine</c>). The defaults suit one daemon on a small machine.</summary>
public sealed record SchedulerOptions
{
    /// <summary>This daemon's identity in leases; unique per process.</summary>
    public string NodeId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Runs this daemon executes at once (global concurrency limit per daemon).</summary>
    public int MaxConcurrentRuns { get; init; } = 8;

    /// <summary>How long a claimed run stays ours without a heartbeat. A dead daemon's runs are recovered after this.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Lateness up to this is on time; beyond it an occurrence is a misfire and the misfire policy applies.</summary>
    public TimeSpan MisfireThreshold { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>With misfire = all, at most this many missed occurrences of one task are run; the rest are skipped.</summary>
    public int MaxCatchUpRuns { get; init; } = 10;

    /// <summary>Delay before the first retry; doubles per retry up to <see cref="RetryMaxDelay"/>, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>On shutdown, running agents get this long to finish before they are killed and left for recovery.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest the engine sleeps without looking at the store, in case another process changed it unseen.</summary>
    public TimeSpan MaxIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tasks planned per transaction.</summary>
    public int PlanBatch { get; init; } = 500;

    /// <summary>Finished runs older than this are deleted with their logs.</summary>
    public TimeSpan RetentionMaxAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>At most this many finished runs are kept per task, so one chatty task cannot push out the others' history.</summary>
    public int RetentionKeepPerTask { get; init; } = 1000;

    public int RetentionBatch { get; init; } = 500;

    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Each attempt's log stops taking the agent's entries at this many bytes (a <c>log.truncated</c> entry says so; the
    /// engine's <c>attempt.finished</c> entry still follows). Counted per attempt: a retried run may keep this much per attempt.
    /// </summary>
    public long MaxLogBytesPerRun { get; init; } = 16 * 1024 * 1024;

    /// <summary>The run's final output kept on the run row is cut to this many characters (the log keeps everything).</summary>
    public int MaxOutputChars { get; init; } = 64 * 1024;
}
