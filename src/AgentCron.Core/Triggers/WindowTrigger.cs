using System.Globalization;
using System.Text.RegularExpressions;
using AgentCron.Core.Time;

namespace AgentCron.Core.Triggers;

/// <summary>
/// Fires once per local day inside a time-of-day window <c>HH:mm-HH:mm</c> (24-hour clock) in an IANA time zone.
/// The occurrence is the window's start; <see cref="DeadlineFor"/> is that window's end, so a run that cannot start
/// in time is missed rather than run outside the window. A window whose end is earlier than its start crosses
/// midnight (<c>22:00-02:00</c> closes at 02:00 the next day); <c>24:00</c> is accepted as an end meaning midnight.
/// Wall-clock times map to instants by the rule in <see cref="TimeZones"/>: a start in a spring-forward gap moves to
/// the end of the gap, a start in a repeated hour uses its first instant, so the window fires once a day.
/// </summary>
public sealed partial record WindowTrigger : Trigger
{
    private const string Allowed = "expected HH:MM-HH:MM in 24-hour time, such as 09:00-11:00 or 22:00-02:00 (crossing midnight)";

    // The days whose window (opening, and closing a day later) is an instant on every clock: offsets reach ±14 h, so
    // the first and last days a DateTimeOffset can hold are left out, and no answer overflows at the ends of time.
    private static readonly int FirstDay = DateOnly.MinValue.DayNumber + 1;
    private static readonly int LastDay = DateOnly.MaxValue.DayNumber - 3;

    /// <summary>Parses <paramref name="window"/> for evaluation in <paramref name="zone"/>.</summary>
    /// <exception cref="InvalidFieldException">On field <c>window</c> when the text is not a valid window.</exception>
    public WindowTrigger(string window, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        (Start, End) = ParseWindow(window);
        Zone = zone;
    }

    /// <summary>Local time of day the window opens (the occurrence).</summary>
    public TimeOnly Start { get; }

    /// <summary>Local time of day the window closes; earlier than or equal to <see cref="Start"/> means the next day.</summary>
    public TimeOnly End { get; }

    /// <summary>The zone the window's times of day are read in.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>True when the window closes on the day after it opens.</summary>
    public bool CrossesMidnight => End <= Start;

    public override TriggerKind Kind => TriggerKind.Window;

    public override string Expression => $"{Hm(Start)}-{Hm(End)}";

    public override string? TimeZoneId => Zone.Id;

    public override DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        // Day d's occurrence is a non-decreasing function of d, so the answer is today's or one of the next two.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(after, Zone).DateTime).DayNumber;
        for (var day = Math.Max(today - 1, FirstDay); day <= Math.Min(today + 2, LastDay); day++)
        {
            var occurrence = OccurrenceOn(DateOnly.FromDayNumber(day));
            if (occurrence > after)
                return occurrence;
        }
        return null;
    }

    /// <summary>Today's start when <paramref name="now"/> is inside an open window, so a task created mid-window still runs today.</summary>
    public override DateTimeOffset? First(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime).DayNumber;
        for (var day = Math.Min(today, LastDay); day >= Math.Max(today - 1, FirstDay); day--)
        {
            var occurrence = OccurrenceOn(DateOnly.FromDayNumber(day));
            if (occurrence <= now && now < CloseOn(DateOnly.FromDayNumber(day)))
                return occurrence;
        }
        return NextAfter(now);
    }

    /// <summary>The end of the window that <paramref name="occurrence"/> opened (the next day's end when crossing midnight).</summary>
    public override DateTimeOffset? DeadlineFor(DateTimeOffset occurrence)
    {
        var wall = TimeZoneInfo.ConvertTime(occurrence, Zone).DateTime;
        // The day the window opened: a start pushed forward by a gap still belongs to the day it was scheduled on.
        var day = DateOnly.FromDateTime(wall - Start.ToTimeSpan());
        return CloseOn(day);
    }

    public override string Describe() => $"once a day between {Hm(Start)} and {Hm(End)} ({Zone.Id})";

    private DateTimeOffset OccurrenceOn(DateOnly day) => TimeZones.ToInstant(day.ToDateTime(Start), Zone);

    private DateTimeOffset CloseOn(DateOnly day) =>
        TimeZones.ToInstant((CrossesMidnight ? day.AddDays(1) : day).ToDateTime(End), Zone);

    private static string Hm(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static (TimeOnly Start, TimeOnly End) ParseWindow(string? window)
    {
        var text = window?.Trim() ?? "";
        var match = WindowPattern().Match(text);
        if (!match.Success)
            throw new InvalidFieldException("window", $"cannot read '{text}'; {Allowed}");

        var start = Time(match.Groups["sh"].Value, match.Groups["sm"].Value, text, allowMidnightEnd: false);
        var end = Time(match.Groups["eh"].Value, match.Groups["em"].Value, text, allowMidnightEnd: true);
        if (start == end)
            throw new InvalidFieldException("window", $"'{text}' starts and ends at the same time; {Allowed}");
        return (start, end);
    }

    private static TimeOnly Time(string hours, string minutes, string text, bool allowMidnightEnd)
    {
        var h = int.Parse(hours, CultureInfo.InvariantCulture);
        var m = int.Parse(minutes, CultureInfo.InvariantCulture);
        if (allowMidnightEnd && h == 24 && m == 0)
            return TimeOnly.MinValue;
        if (h > 23 || m > 59)
            throw new InvalidFieldException("window", $"'{text}' has an invalid time of day {hours}:{minutes}; hours are 00-23 and minutes 00-59 ({Allowed})");
        return new TimeOnly(h, m);
    }

    [GeneratedRegex(@"^(?<sh>\d{1,2}):(?<sm>\d{2})\s*-\s*(?<eh>\d{1,2}):(?<em>\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex WindowPattern();
}
