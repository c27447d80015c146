using System.Globalization;
using System.Numerics;
using NCrontab;

namespace AgentCron.Core.Triggers;

/// <summary>
/// A parsed, validated cron expression evaluated on wall-clock time (no time zone here; see <see cref="CronTrigger"/>).
/// <para>Syntax: 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field; <c>*</c>,
/// numbers, ranges <c>1-5</c>, lists <c>1,15</c>, steps <c>*/15</c> and <c>1-30/5</c>; month names JAN–DEC and day
/// names SUN–SAT (case-insensitive); day-of-week 0–7 with 0 and 7 both Sunday; macros <c>@yearly</c>,
/// <c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c>, <c>@midnight</c>, <c>@hourly</c>.
/// Not supported (rejected with a message): <c>@reboot</c>, <c>L</c>, <c>W</c>, <c>#</c>, <c>?</c>, a step on a single
/// number (<c>5/15</c>, which cron dialects disagree on) and reversed ranges (<c>22-2</c>).</para>
/// <para>Day rule (Vixie cron, which POSIX cron and cronie follow): a field counts as unrestricted when its text
/// starts with <c>*</c> (so <c>*/2</c> is unrestricted here, exactly as Vixie's <c>DOM_STAR</c>/<c>DOW_STAR</c>
/// flags). When both day-of-month and day-of-week are restricted, a day matches when EITHER matches; otherwise both
/// sets must match (the unrestricted one holds every value unless it has a step). Libraries differ here: croner
/// treats only a bare <c>*</c> as unrestricted and cron-parser any field that covers every value, so both OR
/// <c>0 0 */2 * 1</c>; we keep Vixie's rule because it is what crontab users run.</para>
/// </summary>
internal sealed class CronExpression
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private const string Shape = "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field";

    // NCrontab searches at most this far; any valid expression repeats within a 400-year Gregorian cycle.
    private const int SearchYears = 400;

    private readonly CrontabSchedule[] _schedules;

    private CronExpression(string text, CronField[] fields, bool hasSeconds, CrontabSchedule[] schedules)
    {
        Text = text;
        Fields = fields;
        HasSeconds = hasSeconds;
        _schedules = schedules;
    }

    /// <summary>The expression as given, trimmed and single-spaced (macros kept as written).</summary>
    public string Text { get; }

    /// <summary>Seconds, minute, hour, day-of-month, month, day-of-week, after macro expansion (seconds is <c>0</c> for 5 fields).</summary>
    public IReadOnlyList<CronField> Fields { get; }

    public bool HasSeconds { get; }

    public CronField Seconds => Fields[0];
    public CronField Minutes => Fields[1];
    public CronField Hours => Fields[2];
    public CronField DaysOfMonth => Fields[3];
    public CronField Months => Fields[4];
    public CronField DaysOfWeek => Fields[5];

    /// <summary>
    /// Cronos's "interval" flag: the seconds, minute or hour field starts with <c>*</c>. Such an expression describes a
    /// rhythm in elapsed time, so it fires in both passes of a repeated (fall-back) hour.
    /// </summary>
    public bool IsInterval => Seconds.IsStar || Minutes.IsStar || Hours.IsStar;

    /// <summary>Parses and validates <paramref name="text"/>; every problem is an <see cref="InvalidFieldException"/> on <paramref name="field"/>.</summary>
    public static CronExpression Parse(string? text, string field)
    {
        var tokens = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
            throw new InvalidFieldException(field, $"is empty; {Shape}, or a macro such as @daily");
        var canonical = string.Join(' ', tokens);

        if (tokens[0].StartsWith('@'))
        {
            if (tokens.Length > 1)
                throw new InvalidFieldException(field, $"a macro stands alone; got '{canonical}'");
            if (tokens[0].Equals("@reboot", StringComparison.OrdinalIgnoreCase))
                throw new InvalidFieldException(field, "@reboot is not supported: tasks run on a time schedule; use @daily, @hourly or a 5-field expression");
            if (!Macros.TryGetValue(tokens[0], out var expanded))
                throw new InvalidFieldException(field, $"unknown macro '{tokens[0]}'; supported: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly");
            tokens = expanded.Split(' ');
        }

        if (tokens.Length is not (5 or 6))
            throw new InvalidFieldException(field, $"{Shape}; got {tokens.Length}");

        var hasSeconds = tokens.Length == 6;
        var offset = hasSeconds ? 0 : 1;
        var fields = new CronField[6];
        fields[0] = hasSeconds ? ParseField(CronFieldKind.Second, tokens[0], field) : ParseField(CronFieldKind.Second, "0", field);
        for (var i = 1; i < 6; i++)
            fields[i] = ParseField((CronFieldKind)i, tokens[i - offset], field);

        return new CronExpression(canonical, fields, hasSeconds, BuildSchedules(fields, canonical, field));
    }

    /// <summary>
    /// The first matching wall-clock time strictly after <paramref name="after"/> and strictly before
    /// <paramref name="end"/> (default: 400 years on), or null. Relies on NCrontab's field-wise search, so a rare
    /// expression such as <c>0 0 29 2 *</c> costs the same as <c>* * * * *</c>.
    /// </summary>
    public DateTime? Next(DateTime after, DateTime? end = null)
    {
        var wall = DateTime.SpecifyKind(after, DateTimeKind.Unspecified);
        var limit = end ?? (wall.Year + SearchYears <= 9999 ? wall.AddYears(SearchYears) : DateTime.MaxValue);
        DateTime? best = null;
        foreach (var schedule in _schedules)
        {
            var next = schedule.GetNextOccurrence(wall, limit);
            if (next < limit && (best is null || next < best))
                best = next;
        }
        return best;
    }

    /// <summary>Like <see cref="Next"/> but <paramref name="from"/> itself counts (for whole-second <paramref name="from"/>).</summary>
    public DateTime? NextOrSame(DateTime from, DateTime? end = null) =>
        from.Ticks == 0 ? Next(from, end) : Next(from.AddTicks(-1), end);

    private static CrontabSchedule[] BuildSchedules(CronField[] fields, string canonical, string field)
    {
        // NCrontab ANDs day-of-month with day-of-week. For Vixie's OR, when both are restricted, search two schedules
        // (one per day field, the other left open) and take the earlier answer.
        var dom = fields[3];
        var dow = fields[5];
        string[][] variants = !dom.IsStar && !dow.IsStar
            ? [Render(fields, dowOpen: true), Render(fields, domOpen: true)]
            : [Render(fields)];
        try
        {
            return variants
                .Select(v => CrontabSchedule.Parse(string.Join(' ', v), new CrontabSchedule.ParseOptions { IncludingSeconds = true }))
                .ToArray();
        }
        catch (CrontabException e)
        {
            // Unreachable after our own validation; still never let the library's exception escape.
            throw new InvalidFieldException(field, $"cannot use '{canonical}': {e.Message}");
        }
    }

    private static string[] Render(CronField[] fields, bool domOpen = false, bool dowOpen = false) =>
        fields.Select((f, i) => (i == 3 && domOpen) || (i == 5 && dowOpen) ? "*" : f.ToNcrontab()).ToArray();

    private static CronField ParseField(CronFieldKind kind, string text, string field)
    {
        var (min, max) = CronField.Bounds(kind);
        ulong bits = 0;
        foreach (var element in text.Split(','))
            bits |= ParseElement(kind, element, text, field, min, max);
        if (kind == CronFieldKind.DayOfWeek && (bits & (1UL << 7)) != 0)
            bits = (bits & ~(1UL << 7)) | 1UL; // 7 is Sunday too
        return new CronField(kind, text, bits, text.StartsWith('*'));
    }

    private static ulong ParseElement(CronFieldKind kind, string element, string text, string field, int min, int max)
    {
        var name = CronField.Name(kind);
        if (element.Length == 0)
            throw new InvalidFieldException(field, $"the {name} field '{text}' has an empty list item");
        RejectUnsupported(kind, element, field);

        var slash = element.IndexOf('/', StringComparison.Ordinal);
        var rangeText = slash < 0 ? element : element[..slash];
        var step = 1;
        if (slash >= 0)
        {
            var stepText = element[(slash + 1)..];
            var span = kind == CronFieldKind.DayOfWeek ? 7 : max - min + 1;
            if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > span)
                throw new InvalidFieldException(field, $"'{element}' in the {name} field has step '{stepText}'; a step is a whole number from 1 to {span}");
        }

        int low, high;
        if (rangeText == "*")
        {
            (low, high) = kind == CronFieldKind.DayOfWeek ? (0, 6) : (min, max);
        }
        else
        {
            var dash = rangeText.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                low = high = Value(kind, rangeText, element, field, min, max, rangeEnd: false);
                if (slash >= 0)
                    throw new InvalidFieldException(field,
                        $"'{element}' in the {name} field steps from a single value, which cron dialects read differently; write {low}-{max}/{step} or */{step}");
            }
            else
            {
                low = Value(kind, rangeText[..dash], element, field, min, max, rangeEnd: false);
                high = Value(kind, rangeText[(dash + 1)..], element, field, min, max, rangeEnd: low > 0);
                if (low > high)
                    throw new InvalidFieldException(field,
                        $"'{element}' in the {name} field is a reversed range; ranges go low-high, so write {low}-{max},{min}-{high} instead");
            }
        }

        ulong bits = 0;
        for (var v = low; v <= high; v += step)
            bits |= 1UL << v;
        return bits;
    }

    private static int Value(CronFieldKind kind, string text, string element, string field, int min, int max, bool rangeEnd)
    {
        var name = CronField.Name(kind);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            if (number < min || number > max)
                throw new InvalidFieldException(field, $"'{element}' in the {name} field is out of range; allowed {min}-{max}{NamesHint(kind)}");
            return number;
        }

        var names = kind switch
        {
            CronFieldKind.Month => MonthNames,
            CronFieldKind.DayOfWeek => DayNames,
            _ => null,
        };
        var index = names is null ? -1 : Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
            throw new InvalidFieldException(field, $"cannot read '{element}' in the {name} field; allowed {min}-{max}{NamesHint(kind)}, *, ranges a-b, lists a,b and steps */n or a-b/n");
        if (kind == CronFieldKind.Month)
            return index + 1;
        // SUN closing a range means the end of the week, as in FRI-SUN.
        return index == 0 && rangeEnd ? 7 : index;
    }

    private static void RejectUnsupported(CronFieldKind kind, string element, string field)
    {
        var name = CronField.Name(kind);
        var upper = element.ToUpperInvariant();
        string? what = null;
        if (upper.Contains('?', StringComparison.Ordinal))
            what = "'?' (no specific value) is not supported; use *";
        else if (upper.Contains('#', StringComparison.Ordinal))
            what = "'#' (nth weekday of the month) is not supported";
        else if (upper == "L" || upper == "LW" || (upper.EndsWith('L') && upper[..^1].All(char.IsAsciiDigit)))
            what = "'L' (last day) is not supported";
        else if (upper.EndsWith('W') && upper[..^1].All(char.IsAsciiDigit))
            what = "'W' (nearest weekday) is not supported";
        if (what is not null)
            throw new InvalidFieldException(field, $"{what} (in the {name} field '{element}'); use numbers, names, *, ranges, lists and steps");
    }

    private static string NamesHint(CronFieldKind kind) => kind switch
    {
        CronFieldKind.Month => " or JAN-DEC",
        CronFieldKind.DayOfWeek => " (0 and 7 are Sunday) or SUN-SAT",
        _ => "",
    };
}

/// <summary>Position of a field in a 6-field cron expression.</summary>
internal enum CronFieldKind
{
    Second = 0,
    Minute = 1,
    Hour = 2,
    DayOfMonth = 3,
    Month = 4,
    DayOfWeek = 5,
}

/// <summary>One parsed cron field: its text, the set of values it matches (bit v set = value v), and whether it starts with <c>*</c>.</summary>
internal sealed record CronField(CronFieldKind Kind, string Text, ulong Bits, bool IsStar)
{
    public static (int Min, int Max) Bounds(CronFieldKind kind) => kind switch
    {
        CronFieldKind.Second or CronFieldKind.Minute => (0, 59),
        CronFieldKind.Hour => (0, 23),
        CronFieldKind.DayOfMonth => (1, 31),
        CronFieldKind.Month => (1, 12),
        CronFieldKind.DayOfWeek => (0, 7),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Name(CronFieldKind kind) => kind switch
    {
        CronFieldKind.Second => "seconds",
        CronFieldKind.Minute => "minute",
        CronFieldKind.Hour => "hour",
        CronFieldKind.DayOfMonth => "day-of-month",
        CronFieldKind.Month => "month",
        _ => "day-of-week",
    };

    /// <summary>True when the field matches every value it can take.</summary>
    public bool IsFull => Bits == FullBits;

    public int Count => BitOperations.PopCount(Bits);

    public IEnumerable<int> Values
    {
        get
        {
            for (var v = 0; v < 64; v++)
            {
                if ((Bits & (1UL << v)) != 0)
                    yield return v;
            }
        }
    }

    /// <summary>The single value when the field matches exactly one.</summary>
    public int? Single => Count == 1 ? BitOperations.TrailingZeroCount(Bits) : null;

    /// <summary>The step n when the text is exactly <c>*/n</c>.</summary>
    public int? StarStep =>
        Text.StartsWith("*/", StringComparison.Ordinal) && int.TryParse(Text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The field as NCrontab reads it: <c>*</c> or an explicit list of numbers (so names, 7 and steps never reach it).</summary>
    public string ToNcrontab() => IsFull ? "*" : string.Join(',', Values);

    private ulong FullBits
    {
        get
        {
            var (min, max) = Kind == CronFieldKind.DayOfWeek ? (0, 6) : Bounds(Kind);
            ulong bits = 0;
            for (var v = min; v <= max; v++)
                bits |= 1UL << v;
            return bits;
        }
    }
}
