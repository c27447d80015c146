using AgentCron.Core.Time;

namespace AgentCron.Core.Triggers;

/// <summary>
/// Fires at a fixed real-time interval counted from an anchor (usually the creation time): the occurrences are
/// <c>anchor + k·interval</c> for k ≥ 1. Elapsed time, not wall-clock time, so daylight-saving changes do not move
/// it, and a late or missed run never shifts the rhythm.
/// </summary>
public sealed record EveryTrigger : Trigger
{
    /// <summary>The smallest interval accepted.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    private readonly DateTimeOffset _anchor;

    /// <summary>Creates an interval trigger.</summary>
    /// <exception cref="InvalidFieldException">On field <c>every</c> when <paramref name="interval"/> is below one second or above <see cref="Durations.Max"/>.</exception>
    public EveryTrigger(TimeSpan interval, DateTimeOffset anchor)
    {
        if (interval < MinInterval)
            throw new InvalidFieldException("every", $"'{Durations.Format(interval)}' is shorter than the minimum interval of 1s");
        if (interval > Durations.Max)
            throw new InvalidFieldException("every", $"'{Durations.Format(interval)}' is longer than the maximum of {Durations.Format(Durations.Max)}");
        // Whole milliseconds: the canonical text (Durations.Format) keeps no finer unit, so the stored trigger is the same trigger.
        Interval = TimeSpan.FromTicks(interval.Ticks - (interval.Ticks % TimeSpan.TicksPerMillisecond));
        _anchor = ToStorePrecision(anchor);
    }

    /// <summary>Time between occurrences.</summary>
    public TimeSpan Interval { get; }

    public override TriggerKind Kind => TriggerKind.Every;

    public override string Expression => Durations.Format(Interval);

    /// <summary>The instant intervals are counted from; never null for this kind.</summary>
    public override DateTimeOffset? Anchor => _anchor;

    public override DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        // Closed form instead of stepping, so a task that slept for a year costs the same as one that did not.
        long k = after < _anchor ? 1 : ((after.UtcTicks - _anchor.UtcTicks) / Interval.Ticks) + 1;
        var maxK = (DateTimeOffset.MaxValue.UtcTicks - _anchor.UtcTicks) / Interval.Ticks;
        if (k > maxK)
            return null;
        return new DateTimeOffset(_anchor.UtcTicks + (k * Interval.Ticks), TimeSpan.Zero).ToOffset(_anchor.Offset);
    }

    public override string Describe()
    {
        (long Ticks, string One, string Many)[] units =
        [
            (TimeSpan.TicksPerDay * 7, "week", "weeks"),
            (TimeSpan.TicksPerDay, "day", "days"),
            (TimeSpan.TicksPerHour, "hour", "hours"),
            (TimeSpan.TicksPerMinute, "minute", "minutes"),
            (TimeSpan.TicksPerSecond, "second", "seconds"),
        ];
        foreach (var (ticks, one, many) in units)
        {
            if (Interval.Ticks % ticks == 0)
            {
                var n = Interval.Ticks / ticks;
                return n == 1 ? $"every {one}" : FormattableString.Invariant($"every {n} {many}");
            }
        }
        return "every " + Durations.Humanize(Interval);
    }
}
