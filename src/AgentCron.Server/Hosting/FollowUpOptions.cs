namespace AgentCron.Server.Hosting;

/// <summary>Limits on what agents schedule with their run token (configuration section <c>FollowUps</c>).</summary>
public sealed record FollowUpOptions
{
    /// <summary>Tasks one run's agent may create.</summary>
    public int MaxPerRun { get; init; } = 5;
}
