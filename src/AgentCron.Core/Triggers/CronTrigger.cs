using System.Globalization;
using AgentCron.Core.Time;

namespace AgentCron.Core.Triggers;

/// <summary>
/// Fires on a cron expression evaluated on wall-clock time in an IANA time zone (syntax and the day-of-month /
/// day-of-week OR rule: see the remarks).
/// </summary>
/// <remarks>
/// <para><b>Syntax.</b> 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field;
/// names JAN–DEC and SUN–SAT; 0 and 7 are Sunday; <c>*</c>, ranges, lists, steps; macros <c>@yearly</c>,
/// <c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c>, <c>@midnight</c>, <c>@hourly</c>.
/// <c>@reboot</c>, <c>L</c>, <c>W</c>, <c>#</c> and <c>?</c> are rejected.</para>
/// <para><b>Days</b> (Vixie cron): when day-of-month and day-of-week are both restricted, a day matches when either
/// matches (<c>0 0 13 * 5</c> fires on every 13th and every Friday). A field whose text starts with <c>*</c>
/// (including <c>*/2</c>) counts as unrestricted, as in Vixie cron and cronie; then both fields must match.</para>
/// <para><b>Daylight saving time</b> — the rule of the Cronos library (Hangfire), which follows Vixie cron:</para>
/// <list type="bullet">
/// <item><b>Spring forward.</b> An occurrence whose local time falls in the skipped stretch is not lost: it fires
/// at the transition instant, the first instant after the gap (<c>30 2 * * *</c> in Europe/Berlin on 2026-03-29
/// fires at 03:00 CEST = 01:00Z). Several occurrences in the gap collapse into that one instant, and an occurrence
/// exactly at the end of the gap (03:00) is the same instant, so it fires once.</item>
/// <item><b>Fall back.</b> A local time in the repeated stretch fires once, at its first (daylight) instant
/// (<c>30 2 * * *</c> in Europe/Berlin on 2026-10-25 fires at 02:30 CEST = 00:30Z only) — unless the expression
/// is an <i>interval</i> expression, meaning its seconds, minute or hour field starts with <c>*</c> (<c>*/15 * * * *</c>,
/// <c>0 * * * *</c>, <c>*/10 2 * * *</c>). Those describe a rhythm in elapsed time and fire in both passes, since both
/// are distinct real instants (<c>0 * * * *</c> in America/New_York fires at 01:00 EDT and again at 01:00 EST).</item>
/// </list>
/// <para>croner (npm) agrees on everything except: it treats only a bare <c>*</c> day field as unrestricted; it drops
/// skipped-hour occurrences of expressions that are not one fixed time of day (<c>30 * * * *</c> loses 02:30 on a
/// spring-forward day, where we fire at 03:00); and it repeats any expression that is not one fixed time of day in
/// the repeated hour (<c>0,30 1 * * *</c> fires twice in America/New_York, where we and Cronos fire once).</para>
/// <para>Cost: the search runs on wall-clock time through NCrontab's field-wise next-occurrence search (two
/// searches for the OR rule), with a bounded bisection at a daylight-saving transition; never minute by minute.</para>
/// </remarks>
public sealed record CronTrigger : Trigger
{
    private readonly CronExpression _cron;

    /// <summary>Parses <paramref name="expression"/> for evaluation in <paramref name="zone"/>.</summary>
    /// <exception cref="InvalidFieldException">On field <c>cron</c> when the expression is invalid.</exception>
    public CronTrigger(string expression, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        _cron = CronExpression.Parse(expression, "cron");
        Zone = zone;
    }

    /// <summary>The zone the expression's wall-clock times are read in.</summary>
    public TimeZoneInfo Zone { get; }

    public override TriggerKind Kind => TriggerKind.Cron;

    public override string Expression => _cron.Text;

    public override string? TimeZoneId => Zone.Id;

    public override DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        var local = TimeZoneInfo.ConvertTime(after, Zone);
        var wall = local.DateTime;

        if (TimeZones.IsRepeated(wall, Zone))
        {
            var (start, end, firstOffset, secondOffset) = TimeZones.RepeatedSpan(wall, Zone);
            if (local.Offset == firstOffset)
            {
                // First pass: anything later in this pass, then (interval expressions only) the whole second pass.
                if (_cron.Next(wall, end) is { } first)
                    return new DateTimeOffset(first, firstOffset);
                if (_cron.IsInterval && _cron.NextOrSame(start, end) is { } second)
                    return new DateTimeOffset(second, secondOffset);
            }
            else if (_cron.IsInterval && _cron.Next(wall, end) is { } second)
            {
                return new DateTimeOffset(second, secondOffset);
            }
            // Non-interval times in the repeated stretch already fired in the first pass: resume after it.
            return Map(_cron.NextOrSame(end));
        }

        return Map(_cron.Next(wall));
    }

    public override string Describe()
    {
        var zone = $" ({Zone.Id})";
        return DescribeShape(_cron, zone) ?? $"cron \"{_cron.Text}\"{zone}";
    }

    // Equality is the persisted form: expression text and zone id.
    public bool Equals(CronTrigger? other) =>
        other is not null && Expression == other.Expression && Zone.Id == other.Zone.Id;

    public override int GetHashCode() => HashCode.Combine(Kind, Expression, Zone.Id);

    /// <summary>A wall-clock match outside a repeated stretch's first pass → its instant (gap → transition, repeated → first pass).</summary>
    private DateTimeOffset? Map(DateTime? wall) =>
        // The last two days of year 9999 may not fit a DateTimeOffset once the offset is applied: treat as none left.
        wall is { } w && w < DateTime.MaxValue.AddDays(-2) ? TimeZones.ToInstant(w, Zone) : null;

    private static string? DescribeShape(CronExpression cron, string zone)
    {
        var (sec, min, hour) = (cron.Seconds, cron.Minutes, cron.Hours);
        var (dom, month, dow) = (cron.DaysOfMonth, cron.Months, cron.DaysOfWeek);
        var everyDay = dom.Text == "*" && month.Text == "*" && dow.Text == "*";

        if (cron.HasSeconds && sec.Single != 0)
        {
            if (everyDay && min.Text == "*" && hour.Text == "*")
            {
                if (sec.Text == "*")
                    return "every second";
                if (sec.StarStep is { } s)
                    return $"every {s} seconds";
            }
            return null;
        }

        if (everyDay && hour.Text == "*")
        {
            if (min.Text == "*")
                return "every minute";
            if (min.StarStep is { } m && 60 % m == 0)
                return $"every {m} minutes";
            if (min.Single is { } at)
                return string.Create(CultureInfo.InvariantCulture, $"every hour at :{at:00}{zone}");
            return null;
        }

        if (min.Single is not { } minute)
            return null;
        if (everyDay && hour.StarStep is { } h && 24 % h == 0)
            return string.Create(CultureInfo.InvariantCulture, $"every {h} hours at :{minute:00}{zone}");
        if (hour.Count is < 1 or > 4 || hour.IsStar)
            return null;

        var times = Join(hour.Values.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v:00}:{minute:00}")).ToList());
        if (everyDay)
            return $"daily at {times}{zone}";
        if (dom.Text == "*" && month.Text == "*" && !dow.IsStar)
            return $"at {times} on {Weekdays(dow)}{zone}";
        if (dow.Text == "*" && month.Text == "*" && dom.Single is { } day)
            return $"at {times} on day {day} of every month{zone}";
        if (dow.Text == "*" && dom.Single is { } d && month.Single is { } mo)
            return $"at {times} on {d} {CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(mo)} every year{zone}";
        return null;
    }

    private static string Weekdays(CronField dow)
    {
        var days = dow.Values.ToList();
        if (days.SequenceEqual([1, 2, 3, 4, 5]))
            return "weekdays";
        if (days.SequenceEqual([0, 6]))
            return "weekends";
        var names = CultureInfo.InvariantCulture.DateTimeFormat.DayNames;
        // Monday first, as people read a week.
        var ordered = days.OrderBy(d => (d + 6) % 7).Select(d => names[d] + (days.Count == 1 ? "s" : "")).ToList();
        return Join(ordered);
    }

    private static string Join(List<string> items) => items.Count switch
    {
        0 => "",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };
}
