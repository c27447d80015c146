using AgentCron.Core.Time;

namespace AgentCron.Core.Triggers;

/// <summary>
/// A trigger as clients send it (API body, CLI flags, task files): at most one of <see cref="At"/>, <see cref="In"/>,
/// <see cref="Every"/>, <see cref="Cron"/>, <see cref="Window"/>, plus an optional <see cref="Tz"/>.
/// </summary>
/// <param name="At">One time: <c>now</c>, <c>+20m</c>, <c>2026-11-22T09:00:00+01:00</c>, or <c>2026-11-22 09:00</c> (in <see cref="Tz"/>).</param>
/// <param name="In">One time, a duration from now: <c>2h</c>.</param>
/// <param name="Every">Fixed interval from now: <c>15m</c>.</param>
/// <param name="Cron">Cron expression, read in <see cref="Tz"/>.</param>
/// <param name="Window">Daily window <c>HH:MM-HH:MM</c>, read in <see cref="Tz"/>.</param>
/// <param name="Tz">IANA zone for cron, window, or an <c>at</c> time without offset; the default zone otherwise.</param>
public sealed record TriggerInput(
    string? At = null,
    string? In = null,
    string? Every = null,
    string? Cron = null,
    string? Window = null,
    string? Tz = null)
{
    /// <summary>How far in the past an <c>at</c> time may be and still be accepted (clock skew, typing time).</summary>
    public static readonly TimeSpan PastTolerance = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Validates the input and builds the trigger; null when no kind is given (a manual-only task).
    /// Blank strings count as absent. <paramref name="defaultZone"/> applies when <see cref="Tz"/> is absent.
    /// </summary>
    /// <exception cref="InvalidFieldException">
    /// On <c>trigger</c> when more than one kind is given; on <c>tz</c> when it does not apply or is unknown; on the
    /// kind's own field (<c>at</c>, <c>in</c>, <c>every</c>, <c>cron</c>, <c>window</c>) when its value is invalid
    /// or, for <c>at</c>, more than a minute in the past.
    /// </exception>
    public Trigger? Resolve(DateTimeOffset now, TimeZoneInfo defaultZone)
    {
        ArgumentNullException.ThrowIfNull(defaultZone);
        var given = new[] { ("at", At), ("in", In), ("every", Every), ("cron", Cron), ("window", Window) }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2))
            .Select(p => p.Item1)
            .ToList();
        var hasTz = !string.IsNullOrWhiteSpace(Tz);

        if (given.Count > 1)
            throw new InvalidFieldException("trigger", $"give exactly one of at, in, every, cron, window; got {string.Join(" and ", given)}");
        if (given.Count == 0)
        {
            if (hasTz)
                throw new InvalidFieldException("tz", "applies only to a cron, window or at trigger; none was given");
            return null;
        }

        switch (given[0])
        {
            case "at":
                if (hasTz && !Instants.IsWallClock(At))
                    throw new InvalidFieldException("tz", $"applies to an at time only when it has no offset, such as 2026-11-22 09:00; '{At!.Trim()}' already fixes the instant");
                var zone = TimeZones.Resolve(Tz, defaultZone, "tz");
                var instant = Instants.Parse(At, now, zone, "at");
                if (instant < now - PastTolerance)
                    throw new InvalidFieldException("at", $"{Instants.Format(instant, zone)} is in the past (now is {Instants.Format(now, zone)}); give a future time such as +20m or a later date");
                return new AtTrigger(instant);

            case "in":
                RejectTz("in");
                return new AtTrigger(now + Durations.Parse(In, "in"));

            case "every":
                RejectTz("every");
                return new EveryTrigger(Durations.Parse(Every, "every"), now);

            case "cron":
                return new CronTrigger(Cron!, TimeZones.Resolve(Tz, defaultZone, "tz"));

            default:
                return new WindowTrigger(Window!, TimeZones.Resolve(Tz, defaultZone, "tz"));
        }

        void RejectTz(string kind)
        {
            if (hasTz)
                throw new InvalidFieldException("tz", $"does not apply to {kind}: it counts real elapsed time, which no time zone changes");
        }
    }
}
