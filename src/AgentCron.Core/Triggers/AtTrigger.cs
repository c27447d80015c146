using System.Globalization;
using AgentCron.Core.Time;

namespace AgentCron.Core.Triggers;

/// <summary>
/// Fires once, at <see cref="Instant"/>. The instant keeps the offset it was written with, for display.
/// </summary>
public sealed record AtTrigger : Trigger
{
    /// <summary>Creates a one-time trigger at <paramref name="instant"/> (kept to whole microseconds).</summary>
    public AtTrigger(DateTimeOffset instant) => Instant = ToStorePrecision(instant);

    /// <summary>The one occurrence.</summary>
    public DateTimeOffset Instant { get; }

    public override TriggerKind Kind => TriggerKind.At;

    public override string Expression => Instant.ToString("O", CultureInfo.InvariantCulture);

    public override DateTimeOffset? NextAfter(DateTimeOffset after) => Instant > after ? Instant : null;

    /// <summary>The instant itself, even when slightly past, so a task created "now" still runs.</summary>
    public override DateTimeOffset? First(DateTimeOffset now) => Instant;

    public override string Describe()
    {
        var format = Instant.Second == 0 && Instant.Millisecond == 0 ? "yyyy-MM-dd HH:mm zzz" : "yyyy-MM-dd HH:mm:ss zzz";
        return "once at " + Instant.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a persisted <see cref="Expression"/> (any ISO 8601 time with an offset).</summary>
    internal static AtTrigger Parse(string? expression)
    {
        var text = expression?.Trim() ?? "";
        if (DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            return new AtTrigger(instant);
        if (Instants.IsWallClock(text) || text.StartsWith('+') || text.Equals("now", StringComparison.OrdinalIgnoreCase))
            throw new InvalidFieldException("at", $"'{text}' is not an absolute instant; a stored at trigger needs an ISO 8601 time with offset such as 2026-11-22T09:00:00+01:00");
        // Any other form with an offset is accepted; anything else fails with the full list of forms.
        return new AtTrigger(Instants.Parse(text, DateTimeOffset.MinValue, TimeZoneInfo.Utc, "at"));
    }

    // Equality is the instant and the offset it was written with (DateTimeOffset.Equals alone ignores the offset).
    public bool Equals(AtTrigger? other) =>
        other is not null && Instant.EqualsExact(other.Instant);

    public override int GetHashCode() => HashCode.Combine(Kind, Instant.UtcTicks, Instant.Offset);
}
