namespace AgentCron.Core.Engine;

/// <summary>Exponential retry backoff with "equal jitter": a delay drawn from [d/2, d], d = min(max, base·2^(n−1)).</summary>
public static class Backoff
{
    /// <summary>The delay before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public static TimeSpan Delay(int retry, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        // Cap the exponent before multiplying so a high retry count cannot overflow.
        var exponent = Math.Min(retry - 1, 30);
        var ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * (1L << exponent));
        var half = ceiling / 2;
        return TimeSpan.FromTicks(half + (long)(random.NextDouble() * (ceiling - half)));
    }
}
