using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentCron.Core.Time;

/// <summary>
/// Parses and prints points in time the way people and the API write them.
/// Accepted by <see cref="Parse"/>:
/// <list type="bullet">
/// <item><c>now</c>;</item>
/// <item>a relative time <c>+20m</c>, <c>+2h</c>, <c>+1d2h</c> (any <see cref="Durations"/> form after <c>+</c>);</item>
/// <item>ISO 8601 with an offset or <c>Z</c>: <c>2026-11-22T09:00:00+01:00</c>, <c>2026-11-22T08:00Z</c>;</item>
/// <item>ISO 8601 without an offset (<c>2026-11-22T09:00</c>, <c>2026-11-22 09:00</c>, <c>2026-11-22 09:00:30</c>):
/// wall-clock time in the given zone, resolved with <see cref="TimeZones.ToInstant"/> (a skipped time maps to the end
/// of the gap, a repeated time to its earlier instant).</item>
/// </list>
/// </summary>
public static partial class Instants
{
    private const string Allowed =
        "use now, a relative time such as +20m or +1d2h, or an ISO 8601 time such as 2026-11-22T09:00:00+01:00, 2026-11-22T08:00Z, 2026-11-22 09:00 or 2026-11-22 (local to the time zone)";

    /// <summary>Parses <paramref name="text"/> into an instant; <paramref name="zone"/> interprets times without an offset.</summary>
    /// <exception cref="InvalidFieldException">When the text is none of the accepted forms, naming <paramref name="field"/>.</exception>
    public static DateTimeOffset Parse(string? text, DateTimeOffset now, TimeZoneInfo zone, string field)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
            throw new InvalidFieldException(field, $"is empty; {Allowed}");

        if (trimmed.Equals("now", StringComparison.OrdinalIgnoreCase))
            return now;

        try
        {
            if (trimmed.StartsWith('+'))
                return now + Durations.Parse(trimmed[1..], field);

            if (TryParseWallClock(trimmed, out var wall))
                return TimeZones.ToInstant(wall, zone);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Near year 1 or 9999 a time zone's offset (or a long duration) leaves the range a DateTimeOffset holds.
            throw new InvalidFieldException(field, $"'{trimmed}' is outside the range of time AgentCron can represent (the years 0001 to 9999 in UTC)");
        }

        if (TryParseWithOffset(trimmed, out var instant))
            return instant;

        throw new InvalidFieldException(field, $"cannot read '{trimmed}'; {Allowed}");
    }

    /// <summary>
    /// True when <paramref name="text"/> is a date-time without an offset, i.e. a wall-clock time whose meaning depends
    /// on a time zone (the only <c>at</c> form a <c>tz</c> applies to).
    /// </summary>
    public static bool IsWallClock(string? text) => TryParseWallClock(text?.Trim() ?? "", out _);

    /// <summary>
    /// Formats <paramref name="instant"/> as wall-clock time in <paramref name="zone"/> with its offset there:
    /// <c>2026-11-22 09:00:00 +01:00</c>.
    /// </summary>
    public static string Format(DateTimeOffset instant, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return Format(TimeZoneInfo.ConvertTime(instant, zone));
    }

    /// <summary>Formats <paramref name="instant"/> in its own offset: <c>2026-11-22 09:00:00 +01:00</c>.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    private static bool TryParseWallClock(string text, out DateTime wall)
    {
        // A bare date is that day's midnight on the wall clock.
        if (DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out wall))
            return true;

        var match = WallClockPattern().Match(text);
        return match.Success && DateTime.TryParseExact(
            $"{match.Groups["date"].Value}T{match.Groups["time"].Value}",
            ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF"],
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out wall);
    }

    private static bool TryParseWithOffset(string text, out DateTimeOffset instant)
    {
        instant = default;
        var match = WithOffsetPattern().Match(text);
        if (!match.Success)
            return false;
        var offset = match.Groups["offset"].Value;
        if (offset is "Z" or "z")
            offset = "+00:00";
        else if (offset.Length == 5)
            offset = offset[..3] + ":" + offset[3..]; // +0100 -> +01:00
        return DateTimeOffset.TryParseExact(
            $"{match.Groups["date"].Value}T{match.Groups["time"].Value}{offset}",
            ["yyyy-MM-ddTHH:mmzzz", "yyyy-MM-ddTHH:mm:sszzz", "yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz"],
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out instant);
    }

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[Tt ](?<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex WallClockPattern();

    [GeneratedRegex(
        @"^(?<date>\d{4}-\d{2}-\d{2})[Tt ](?<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)\s?(?<offset>[Zz]|[+-]\d{2}:\d{2}|[+-]\d{4})$",
        RegexOptions.CultureInvariant)]
    private static partial Regex WithOffsetPattern();
}
