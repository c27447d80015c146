using System.Globalization;
using System.Text.Json;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Output;

/// <summary>How runs and their logs read in the terminal.</summary>
public static class RunText
{
    public static string List(IEnumerable<RunView> runs, TimeText time)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(time);
        var table = new Table("ID", "TASK", "STATUS", "ATTEMPT", "SCHEDULED", "STARTED", "DURATION", "SUMMARY/ERROR");
        foreach (var r in runs)
        {
            table.Add(
                r.Id,
                r.TaskSlug ?? r.TaskId,
                r.Status,
                r.Attempt.ToString(CultureInfo.InvariantCulture),
                time.Short(r.ScheduledFor),
                r.StartedAt is { } started ? time.Relative(started) : TimeText.None,
                r.Status == "running" && r.StartedAt is { } since ? TimeText.Duration(time.Now - since) + "…" : TimeText.Duration(r.DurationMs),
                Outcome(r));
        }
        return table.RowCount == 0 ? "No runs.\n" : table.ToString();
    }

    public static string Show(RunView r, TimeText time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        var lines = new KeyValues()
            .Add("Run", r.Id)
            .Add("Task", r.TaskSlug is { } slug ? $"{slug} ({r.TaskId})" : r.TaskId)
            .Add("Status", r.CancelRequested && r.Status is "queued" or "running" ? r.Status + " (cancel requested)" : r.Status)
            .Add("Trigger", r.Trigger)
            .Add("Attempt", r.Attempt.ToString(CultureInfo.InvariantCulture))
            .Add("Scheduled", time.At(r.ScheduledFor))
            .Add("Not before", r.NotBefore != r.ScheduledFor ? time.At(r.NotBefore) : null)
            .Add("Started", r.StartedAt is { } s ? time.At(s) : null)
            .Add("Finished", r.FinishedAt is { } f ? time.At(f) : null)
            .Add("Duration", r.DurationMs is not null ? TimeText.Duration(r.DurationMs) : null)
            .Add("Node", r.Node)
            .Add("Lease", r.LeaseOwner is { } owner && r.Status == "running"
                ? $"{owner} until {(r.LeaseExpiresAt is { } until ? time.Full(until) : "?")}"
                : null)
            .Add("Agent", r.Agent is { } agent ? r.Model is { } model ? $"{agent}, model {model}" : agent : null)
            .Add("Session", r.SessionId)
            .Add("Exit code", r.ExitCode?.ToString(CultureInfo.InvariantCulture))
            .Add("Summary", r.Summary)
            .Add("Error", r.Error);
        foreach (var delivery in r.Deliveries ?? [])
        {
            lines.Add("Delivery", Delivery(delivery, time));
        }

        return lines.Add("Output", r.Output).ToString();
    }

    /// <summary>A delivery in one line: <c>slack:C1:1700… (result): delivered after 2 tries, message 1700…</c>.</summary>
    public static string Delivery(DeliveryView d, TimeText time)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(time);
        var tries = d.Attempts == 1 ? "1 try" : $"{d.Attempts} tries";
        var text = $"{d.Target} ({d.Kind}): {d.Status}" + d.Status switch
        {
            "delivered" => $" after {tries}" + (d.RemoteId is { } id ? $", message {id}" : ""),
            "pending" => $", {tries} so far, next {(d.NextAttemptAt is { } next ? time.Relative(next) : "soon")}",
            _ => $" after {tries}",
        };
        return d.LastError is { Length: > 0 } error && d.Status != "delivered" ? $"{text}: {Table.Cell(error, 200)}" : text;
    }

    /// <summary>One line when a followed run ends: <c>run r_… succeeded in 2 min 5 s</c>.</summary>
    public static string Finished(RunView r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var text = $"run {r.Id} {r.Status}";
        if (r.DurationMs is not null)
            text += " in " + TimeText.Duration(r.DurationMs);
        if (r.Status != "succeeded" && r.Error is { Length: > 0 } error)
            text += ": " + Table.Cell(error, 200);
        return text;
    }

    private static string Outcome(RunView r) =>
        r.Status is "succeeded" ? r.Summary ?? TimeText.None : r.Error ?? r.Summary ?? TimeText.None;
}
