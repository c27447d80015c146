using AgentCron.Core.Time;

namespace AgentCron.Core.Triggers;

/// <summary>The kinds of time trigger a task can have. A task without a trigger (manual runs only) has a null trigger.</summary>
public enum TriggerKind
{
    /// <summary>Once, at an absolute instant.</summary>
    At,

    /// <summary>A fixed real-time interval from an anchor instant.</summary>
    Every,

    /// <summary>A cron expression on wall-clock time in an IANA time zone.</summary>
    Cron,

    /// <summary>Once per local day, at the start of a time-of-day window, in an IANA time zone.</summary>
    Window,
}

/// <summary>
/// When a task fires. A trigger is immutable and pure: every answer depends only on its persisted fields
/// (<see cref="Kind"/>, <see cref="Expression"/>, <see cref="TimeZoneId"/>, <see cref="Anchor"/>) and the instants
/// passed in, never on a clock, so the engine and tests can ask about any moment.
/// </summary>
public abstract record Trigger
{
    /// <summary>The largest count <see cref="Preview"/> returns.</summary>
    public const int MaxPreview = 1000;

    /// <summary>Which kind of trigger this is.</summary>
    public abstract TriggerKind Kind { get; }

    /// <summary>
    /// Canonical persisted text: <c>at</c> → the instant in ISO 8601 round-trip form (<c>"O"</c>, with its offset);
    /// <c>every</c> → <see cref="Durations.Format"/> of the interval; <c>cron</c> → the expression as given, trimmed and
    /// single-spaced; <c>window</c> → <c>HH:mm-HH:mm</c>.
    /// </summary>
    public abstract string Expression { get; }

    /// <summary>The IANA time zone a <c>cron</c> or <c>window</c> trigger is evaluated in; null for other kinds.</summary>
    public virtual string? TimeZoneId => null;

    /// <summary>The instant an <c>every</c> trigger counts its intervals from; null for other kinds.</summary>
    public virtual DateTimeOffset? Anchor => null;

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when none remain.</summary>
    public abstract DateTimeOffset? NextAfter(DateTimeOffset after);

    /// <summary>
    /// The first occurrence for a task created (or re-activated) at <paramref name="now"/>. Usually
    /// <see cref="NextAfter"/>(now); an <c>at</c> trigger returns its instant even when slightly past, and a
    /// <c>window</c> trigger returns today's start when <paramref name="now"/> is inside today's window.
    /// </summary>
    public virtual DateTimeOffset? First(DateTimeOffset now) => NextAfter(now);

    /// <summary>
    /// The latest instant at which <paramref name="occurrence"/> may still start, or null when the trigger sets no
    /// deadline of its own (the task's misfire policy decides). A <c>window</c> occurrence must start before its
    /// window closes.
    /// </summary>
    public virtual DateTimeOffset? DeadlineFor(DateTimeOffset occurrence) => null;

    /// <summary>The schedule in words for people, such as <c>at 08:30 on weekdays (Europe/Berlin)</c>.</summary>
    public abstract string Describe();

    /// <summary>
    /// Cuts an instant to whole microseconds: the precision stores keep (SQLite here, PostgreSQL's timestamptz). A
    /// trigger whose instants survive a round-trip through the store unchanged never sees one occurrence as two.
    /// </summary>
    public static DateTimeOffset ToStorePrecision(DateTimeOffset instant) => instant.AddTicks(-(instant.UtcTicks % 10));

    /// <summary>
    /// Rehydrates a trigger from its persisted fields. A missing <paramref name="timeZoneId"/> means UTC.
    /// </summary>
    /// <exception cref="InvalidFieldException">When the fields do not describe a valid trigger.</exception>
    public static Trigger Create(TriggerKind kind, string expression, string? timeZoneId, DateTimeOffset? anchor) => kind switch
    {
        TriggerKind.At => AtTrigger.Parse(expression),
        TriggerKind.Every => new EveryTrigger(
            Durations.Parse(expression, "every"),
            anchor ?? throw new InvalidFieldException("anchor", "an every trigger needs the instant its intervals count from")),
        TriggerKind.Cron => new CronTrigger(expression, TimeZones.Resolve(timeZoneId, TimeZoneInfo.Utc, "tz")),
        TriggerKind.Window => new WindowTrigger(expression, TimeZones.Resolve(timeZoneId, TimeZoneInfo.Utc, "tz")),
        _ => throw new InvalidFieldException("kind", $"unknown trigger kind '{kind}'; expected at, every, cron or window"),
    };

    /// <summary>
    /// The next <paramref name="count"/> occurrences strictly after <paramref name="from"/> (fewer when the trigger
    /// runs out), in order.
    /// </summary>
    /// <exception cref="InvalidFieldException">On field <c>count</c> when it is not between 1 and <see cref="MaxPreview"/>.</exception>
    public static IReadOnlyList<DateTimeOffset> Preview(Trigger trigger, DateTimeOffset from, int count)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        if (count is < 1 or > MaxPreview)
            throw new InvalidFieldException("count", $"must be between 1 and {MaxPreview}; got {count}");

        var result = new List<DateTimeOffset>(count);
        var cursor = from;
        while (result.Count < count && trigger.NextAfter(cursor) is { } next)
        {
            result.Add(next);
            cursor = next;
        }
        return result;
    }
}
