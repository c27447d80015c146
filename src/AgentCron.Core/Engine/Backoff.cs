namespace AgentCron.Core.Engine;

/// <summary>Exponential retry backoff with "equal jitter": a delay drawn from [d/2, d], d = min(max, base·2^(n−1)).</summary>
public static class Backoff
{
    /// <summary>The delay before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public static TimeSpan Delay(int retry, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        // Compare before shifting so neither a high retry count nor a large base can overflow.
        var exponent = Math.Min(retry - 1, 62);
        var ceiling = baseDelay.Ticks > maxDelay.Ticks >> exponent ? maxDelay.Ticks : baseDelay.Ticks << exponent;
        var half = ceiling / 2;
        return TimeSpan.FromTicks(half + (long)(random.NextDouble() * (ceiling - half)));
    }
}
