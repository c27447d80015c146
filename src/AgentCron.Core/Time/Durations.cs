using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentCron.Core.Time;

/// <summary>
/// Parses and prints durations the way people and the API write them.
/// Accepted: compact forms (<c>250ms</c>, <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1d</c>, <c>1w</c>) and compounds
/// with units in descending order (<c>1h30m</c>, <c>1d 2h</c>), and ISO 8601 durations without years or months
/// (<c>PT15M</c>, <c>P1D</c>, <c>P1W</c>, <c>PT0.5S</c>). A duration is always positive, at most 36500 days,
/// and whole milliseconds.
/// </summary>
public static partial class Durations
{
    /// <summary>The largest duration accepted: 100 years of days, far beyond any schedule and safe for date arithmetic.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(36500);

    private const string Allowed = "use a positive duration such as 90s, 15m, 2h, 1d, 1w, 1h30m or ISO 8601 PT15M";

    private static readonly (string Unit, long Ticks)[] Units =
    [
        ("w", TimeSpan.TicksPerDay * 7),
        ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
        ("ms", TimeSpan.TicksPerMillisecond),
    ];

    /// <summary>
    /// Parses <paramref name="text"/> as a positive duration.
    /// </summary>
    /// <exception cref="InvalidFieldException">On empty, zero, negative, too large or unreadable text, naming <paramref name="field"/>.</exception>
    public static TimeSpan Parse(string? text, string field)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
            throw new InvalidFieldException(field, $"is empty; {Allowed}");
        if (trimmed.StartsWith('-'))
            throw new InvalidFieldException(field, $"'{trimmed}' is negative; {Allowed}");

        var ticks = trimmed[0] is 'P' or 'p' ? ParseIso(trimmed, field) : ParseCompact(trimmed, field);
        if (ticks == 0)
            throw new InvalidFieldException(field, $"'{trimmed}' is zero; {Allowed}");
        if (ticks > Max.Ticks)
            throw new InvalidFieldException(field, $"'{trimmed}' is too long; the maximum is {Format(Max)}");
        return TimeSpan.FromTicks(ticks);
    }

    /// <summary>
    /// Canonical compact form: days, hours, minutes, seconds and milliseconds, largest first, zero parts left out
    /// (<c>1h30m</c>, <c>45s</c>, <c>2d</c>, <c>250ms</c>). <c>Parse(Format(x)) == x</c> for every positive
    /// whole-millisecond duration up to <see cref="Max"/>; finer precision is truncated.
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
            return duration == TimeSpan.MinValue ? "-" + Format(TimeSpan.MaxValue) : "-" + Format(-duration);

        var sb = new StringBuilder();
        var rest = duration.Ticks;
        foreach (var (unit, size) in Units)
        {
            if (unit == "w")
                continue; // 14d reads better in a config file than 2w, and stays unambiguous
            var count = rest / size;
            rest %= size;
            if (count > 0)
                sb.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
        return sb.Length == 0 ? "0s" : sb.ToString();
    }

    /// <summary>
    /// Short text for people: the largest unit and, when non-zero, the next one (<c>3 min</c>, <c>2 h 5 min</c>,
    /// <c>45 s</c>, <c>1 d 2 h</c>, <c>250 ms</c>). Smaller remainders are dropped.
    /// </summary>
    public static string Humanize(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
            return "-" + Humanize(duration == TimeSpan.MinValue ? TimeSpan.MaxValue : -duration);

        (long Ticks, string Name)[] parts =
        [
            (TimeSpan.TicksPerDay, "d"),
            (TimeSpan.TicksPerHour, "h"),
            (TimeSpan.TicksPerMinute, "min"),
            (TimeSpan.TicksPerSecond, "s"),
            (TimeSpan.TicksPerMillisecond, "ms"),
        ];
        var ticks = duration.Ticks;
        for (var i = 0; i < parts.Length; i++)
        {
            var major = ticks / parts[i].Ticks;
            if (major == 0)
                continue;
            var text = string.Create(CultureInfo.InvariantCulture, $"{major} {parts[i].Name}");
            if (i + 1 < parts.Length)
            {
                var minor = ticks % parts[i].Ticks / parts[i + 1].Ticks;
                if (minor > 0)
                    text += string.Create(CultureInfo.InvariantCulture, $" {minor} {parts[i + 1].Name}");
            }
            return text;
        }
        return "0 s";
    }

    private static long ParseCompact(string text, string field)
    {
        var match = CompactPattern().Match(text);
        if (!match.Success)
        {
            var hint = BareNumber().IsMatch(text) ? $"'{text}' has no unit" : $"cannot read '{text}'";
            throw new InvalidFieldException(field, $"{hint}; {Allowed}");
        }

        long total = 0;
        var previousRank = -1;
        var numbers = match.Groups["n"].Captures;
        var units = match.Groups["u"].Captures;
        for (var i = 0; i < numbers.Count; i++)
        {
            var unit = units[i].Value.ToLowerInvariant();
            var rank = Array.FindIndex(Units, u => u.Unit == unit);
            // Descending units without repeats keep "1h30m" meaningful and reject typos like "30m1h" or "1h1h".
            if (rank <= previousRank)
                throw new InvalidFieldException(field, $"'{text}' repeats or misorders units; write units largest first, e.g. 1d2h30m");
            previousRank = rank;
            total = Add(total, numbers[i].Value, Units[rank].Ticks, text, field);
        }
        return total;
    }

    private static long ParseIso(string text, string field)
    {
        var match = IsoPattern().Match(text);
        if (!match.Success || text.EndsWith('T') || text.EndsWith('t') || match.Groups.Values.Skip(1).All(g => !g.Success))
        {
            var years = IsoYearsOrMonths().IsMatch(text);
            throw new InvalidFieldException(field, years
                ? $"'{text}' uses years or months, which have no fixed length; use days or weeks such as P30D or P4W"
                : $"'{text}' is not an ISO 8601 duration such as PT15M, PT1H30M, P1D or P1W; {Allowed}");
        }

        long total = 0;
        total = Add(total, match.Groups["w"], TimeSpan.TicksPerDay * 7, text, field);
        total = Add(total, match.Groups["d"], TimeSpan.TicksPerDay, text, field);
        total = Add(total, match.Groups["h"], TimeSpan.TicksPerHour, text, field);
        total = Add(total, match.Groups["m"], TimeSpan.TicksPerMinute, text, field);
        if (match.Groups["s"].Success)
        {
            total = Add(total, match.Groups["s"].Value, TimeSpan.TicksPerSecond, text, field);
            if (match.Groups["f"].Success)
            {
                var fraction = match.Groups["f"].Value;
                if (fraction.Length > 3 && fraction[3..].Any(c => c != '0'))
                    throw new InvalidFieldException(field, $"'{text}' is finer than a millisecond; {Allowed}");
                var ms = int.Parse(fraction.PadRight(3, '0')[..3], CultureInfo.InvariantCulture);
                total = Add(total, ms.ToString(CultureInfo.InvariantCulture), TimeSpan.TicksPerMillisecond, text, field);
            }
        }
        return total;
    }

    private static long Add(long total, Group group, long unitTicks, string text, string field) =>
        group.Success ? Add(total, group.Value, unitTicks, text, field) : total;

    private static long Add(long total, string digits, long unitTicks, string text, string field)
    {
        // Anything that would exceed Max is rejected here, before it can overflow.
        if (digits.Length > 12 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count > Max.Ticks / unitTicks || total + count * unitTicks > Max.Ticks)
            throw new InvalidFieldException(field, $"'{text}' is too long; the maximum is {Format(Max)}");
        return total + count * unitTicks;
    }

    [GeneratedRegex(@"^(?:(?<n>\d+)\s*(?<u>ms|w|d|h|m|s)\s*)+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CompactPattern();

    [GeneratedRegex(@"^\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex BareNumber();

    [GeneratedRegex(
        @"^P(?:(?<w>\d+)W)?(?:(?<d>\d+)D)?(?:T(?:(?<h>\d+)H)?(?:(?<m>\d+)M)?(?:(?<s>\d+)(?:[.,](?<f>\d+))?S)?)?$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IsoPattern();

    [GeneratedRegex(@"^P(?:\d+Y)?\d+[YM]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IsoYearsOrMonths();
}
