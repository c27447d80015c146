namespace AgentCron.Core.Engine;

/// <summary>The outbox's settings (configuration section <c>Deliveries</c>).</summary>
public sealed record DeliveryOptions
{
    /// <summary>Tries of one delivery before it is dead. With the default delays they span two to three hours.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>Wait before the second try; doubles per try up to <see cref="RetryMaxDelay"/>, with jitter, or longer when the receiver says so.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Longest a try (every chunk of a message) may take. A try still going then is given up; a daemon that died in a try
    /// leaves the delivery to be tried again after this.
    /// </summary>
    public TimeSpan TryTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Deliveries this daemon tries at once.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>After this many failed runs in a row, each further failed run sends its task's targets an alert (at most one per <see cref="AlertCooldown"/>); 0 turns these alerts off.</summary>
    public int AlertAfterFailures { get; init; } = 3;

    public TimeSpan AlertCooldown { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The daemon's address as people reach it (<c>https://agentcron.example</c>): messages link to <c>{PublicUrl}/runs/{id}</c>. No link when unset.</summary>
    public Uri? PublicUrl { get; init; }
}
