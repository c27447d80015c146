using System.Globalization;
using AgentCron.Core.Time;

namespace AgentCron.Cli.Output;

/// <summary>
/// Times and durations for people: instants as wall-clock time with offset in one zone (the machine's, or
/// <c>--tz</c>), next to how far they are from now (<c>in 3 min</c>, <c>5 min ago</c>).
/// </summary>
/// <param name="Now">The moment "in …" and "… ago" count from.</param>
/// <param name="Zone">The zone instants are shown in.</param>
public sealed record TimeText(DateTimeOffset Now, TimeZoneInfo Zone)
{
    /// <summary>Shown for a missing value in tables and key-value lists.</summary>
    public const string None = "-";

    /// <summary><c>2026-11-22 09:00:00 +01:00</c>.</summary>
    public string Full(DateTimeOffset instant) => Instants.Format(instant, Zone);

    /// <summary><c>2026-11-22 09:00 +01:00</c>, for tables.</summary>
    public string Short(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, Zone).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>in 3 min</c>, <c>5 min ago</c>, <c>now</c>: rounded to the second below a minute, to the minute above
    /// (so a task created for 20 minutes from now reads "in 20 min", not "in 19 min 59 s").
    /// </summary>
    public string Relative(DateTimeOffset instant)
    {
        var delta = instant - Now;
        var magnitude = delta.Duration();
        var rounded = magnitude < TimeSpan.FromSeconds(59.5)
            ? TimeSpan.FromSeconds(Math.Round(magnitude.TotalSeconds, MidpointRounding.AwayFromZero))
            : TimeSpan.FromMinutes(Math.Round(magnitude.TotalMinutes, MidpointRounding.AwayFromZero));
        if (rounded == TimeSpan.Zero)
            return "now";
        var text = Durations.Humanize(rounded);
        return delta > TimeSpan.Zero ? "in " + text : text + " ago";
    }

    /// <summary><c>in 3 min (2026-11-22 09:00 +01:00)</c>, or <see cref="None"/>.</summary>
    public string When(DateTimeOffset? instant) =>
        instant is { } i ? $"{Relative(i)} ({Short(i)})" : None;

    /// <summary><c>2026-11-22 09:00:00 +01:00 (in 3 min)</c>, or <see cref="None"/>.</summary>
    public string At(DateTimeOffset? instant) =>
        instant is { } i ? $"{Full(i)} ({Relative(i)})" : None;

    /// <summary>
    /// When a task runs next, as <see cref="At"/>; an occurrence already due reads <c>now (due since 2026-11-22 09:00:00 +01:00)</c>,
    /// because the daemon starts a due occurrence as soon as it sees it. (A window trigger's occurrence is the window's
    /// start: a task created while today's window is open has one that is due at once.)
    /// </summary>
    public string NextRun(DateTimeOffset? instant) =>
        instant is { } i && i < Now ? $"now (due since {Full(i)})" : At(instant);

    /// <summary><see cref="NextRun"/> for tables: <c>now (due since 09:00 +01:00)</c>, else <see cref="When"/>.</summary>
    public string NextRunShort(DateTimeOffset? instant) =>
        instant is { } i && i < Now ? $"now (due since {Short(i)})" : When(instant);

    /// <summary><c>2 min 5 s</c>; below a second, milliseconds.</summary>
    public static string Duration(TimeSpan duration) =>
        Durations.Humanize(duration >= TimeSpan.FromSeconds(1)
            ? TimeSpan.FromSeconds(Math.Round(duration.TotalSeconds, MidpointRounding.AwayFromZero))
            : TimeSpan.FromMilliseconds(Math.Round(duration.TotalMilliseconds, MidpointRounding.AwayFromZero)));

    /// <summary>A run's duration in milliseconds as <see cref="Duration(TimeSpan)"/>, or <see cref="None"/>.</summary>
    public static string Duration(double? milliseconds) =>
        milliseconds is { } ms ? Duration(TimeSpan.FromMilliseconds(ms)) : None;

    /// <summary>A compact API duration (<c>30m</c>) for people (<c>30 min</c>); text it cannot read is shown as sent.</summary>
    public static string Policy(string? compact)
    {
        if (string.IsNullOrWhiteSpace(compact))
            return None;
        try
        {
            return Durations.Humanize(Durations.Parse(compact, "duration"));
        }
        catch (Core.InvalidFieldException)
        {
            return compact; // "0s" (no jitter) and anything newer than this CLI
        }
    }
}
