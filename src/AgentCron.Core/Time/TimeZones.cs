using System.Text.RegularExpressions;

namespace AgentCron.Core.Time;

/// <summary>
/// Time zone lookup by IANA name and the one rule AgentCron uses everywhere to turn a wall-clock time into an
/// instant across daylight-saving changes:
/// <list type="bullet">
/// <item>a local time skipped by a spring-forward change (for example 02:30 in Europe/Berlin on the last Sunday of
/// March) maps to the first instant after the gap, that is the transition instant (03:00 CEST = 01:00Z);</item>
/// <item>a local time repeated by a fall-back change (for example 02:30 in Europe/Berlin on the last Sunday of
/// October) maps to its first, earlier instant (02:30 CEST = 00:30Z).</item>
/// </list>
/// All <see cref="DateTime"/> arguments are wall-clock times; their <see cref="DateTime.Kind"/> is ignored.
/// </summary>
public static partial class TimeZones
{
    private const string Hint = "use an IANA name such as Europe/Berlin, America/New_York or UTC";

    /// <summary>
    /// Resolves an IANA time zone id (<c>Europe/Berlin</c>, <c>America/New_York</c>, <c>UTC</c>); the match is
    /// case-insensitive and returns the zone under its canonical spelling. Null or blank gives <paramref name="fallback"/>.
    /// </summary>
    /// <exception cref="InvalidFieldException">When the id is not a known zone, naming <paramref name="field"/>.</exception>
    public static TimeZoneInfo Resolve(string? id, TimeZoneInfo fallback, string field)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (string.IsNullOrWhiteSpace(id))
            return fallback;

        var trimmed = id.Trim();
        if (trimmed.Equals("UTC", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase))
            return TimeZoneInfo.Utc;
        // Ids become file paths under /usr/share/zoneinfo; refuse anything that is not name-shaped before looking.
        if (!IdPattern().IsMatch(trimmed))
            throw Unknown(trimmed, field);

        if (TryFind(trimmed, out var zone))
            return zone;
        // The zoneinfo lookup is case-sensitive on Linux; people write "europe/berlin".
        var match = TimeZoneInfo.GetSystemTimeZones()
            .FirstOrDefault(z => z.Id.Equals(trimmed, StringComparison.OrdinalIgnoreCase));
        return match ?? throw Unknown(trimmed, field);
    }

    /// <summary>
    /// The instant of wall-clock time <paramref name="localWallClock"/> in <paramref name="zone"/>: skipped times
    /// map to the transition instant at the end of the gap, repeated times to their earlier instant.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime localWallClock, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var wall = DateTime.SpecifyKind(localWallClock, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(wall))
            return GapEnd(wall, zone);
        if (zone.IsAmbiguousTime(wall))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(wall);
            return new DateTimeOffset(wall, offsets.Max());
        }
        return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }

    /// <summary>
    /// Every instant that shows <paramref name="localWallClock"/> on a clock in <paramref name="zone"/>: two for a
    /// repeated (fall-back) time, earlier first; one otherwise. A skipped (spring-forward) time has no instant of its
    /// own and yields the transition instant, as <see cref="ToInstant"/> does; tell it apart with <see cref="IsSkipped"/>.
    /// </summary>
    public static DateTimeOffset[] ToInstants(DateTime localWallClock, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var wall = DateTime.SpecifyKind(localWallClock, DateTimeKind.Unspecified);
        if (!zone.IsInvalidTime(wall) && zone.IsAmbiguousTime(wall))
        {
            // A larger offset means an earlier instant for the same wall clock.
            return zone.GetAmbiguousTimeOffsets(wall)
                .Distinct()
                .OrderByDescending(o => o)
                .Select(o => new DateTimeOffset(wall, o))
                .ToArray();
        }
        return [ToInstant(wall, zone)];
    }

    /// <summary>True when <paramref name="localWallClock"/> never shows on a clock in <paramref name="zone"/> (a spring-forward gap).</summary>
    public static bool IsSkipped(DateTime localWallClock, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return zone.IsInvalidTime(DateTime.SpecifyKind(localWallClock, DateTimeKind.Unspecified));
    }

    /// <summary>True when <paramref name="localWallClock"/> shows twice on a clock in <paramref name="zone"/> (a fall-back overlap).</summary>
    public static bool IsRepeated(DateTime localWallClock, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var wall = DateTime.SpecifyKind(localWallClock, DateTimeKind.Unspecified);
        return !zone.IsInvalidTime(wall) && zone.IsAmbiguousTime(wall);
    }

    /// <summary>
    /// For a repeated wall-clock time, the repeated stretch of wall-clock time <c>[Start, End)</c> and the offsets of
    /// its first (earlier) and second pass.
    /// </summary>
    internal static (DateTime Start, DateTime End, TimeSpan FirstOffset, TimeSpan SecondOffset) RepeatedSpan(DateTime wall, TimeZoneInfo zone)
    {
        var offsets = zone.GetAmbiguousTimeOffsets(wall);
        var first = offsets.Max();
        var second = offsets.Min();
        // The clock turns back at one instant T: offset `first` holds before T, `second` from T on. The wall time
        // shows at wall-first (< T) and wall-second (>= T), so T lies in (wall-first, wall-second]: bisect on instants.
        var lo = wall.Ticks - first.Ticks;      // offset is `first` here
        var hi = wall.Ticks - second.Ticks;     // offset is `second` here
        while (hi - lo > 1)
        {
            var mid = lo + ((hi - lo) / 2);
            if (zone.GetUtcOffset(new DateTime(mid, DateTimeKind.Utc)) == first)
                lo = mid;
            else
                hi = mid;
        }
        var transition = new DateTime(hi, DateTimeKind.Unspecified);
        return (transition + second, transition + first, first, second);
    }

    /// <summary>The transition instant that ends the spring-forward gap containing <paramref name="wall"/>.</summary>
    private static DateTimeOffset GapEnd(DateTime wall, TimeZoneInfo zone)
    {
        // Find a valid wall time after the gap (gaps are at most a day, e.g. Samoa in 2011), then bisect to its first tick.
        var lo = wall;
        var step = TimeSpan.FromMinutes(30);
        var hi = wall + step;
        while (zone.IsInvalidTime(hi))
        {
            lo = hi;
            step *= 2;
            if (step > TimeSpan.FromDays(4))
                throw new InvalidOperationException($"Time zone {zone.Id} has a gap longer than two days at {wall:O}.");
            hi = wall + step;
        }
        while (hi.Ticks - lo.Ticks > 1)
        {
            var mid = new DateTime(lo.Ticks + ((hi.Ticks - lo.Ticks) / 2), DateTimeKind.Unspecified);
            if (zone.IsInvalidTime(mid))
                lo = mid;
            else
                hi = mid;
        }
        var offset = zone.IsAmbiguousTime(hi) ? zone.GetAmbiguousTimeOffsets(hi).Max() : zone.GetUtcOffset(hi);
        return new DateTimeOffset(hi, offset);
    }

    private static bool TryFind(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        // An id naming a directory under /usr/share/zoneinfo ("America", "Etc", "posix") is read as a file and fails as
        // a SecurityException ("cannot read file data"): it is no zone either.
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }

    private static InvalidFieldException Unknown(string id, string field) =>
        new(field, $"unknown time zone '{id}'; {Hint}");

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
