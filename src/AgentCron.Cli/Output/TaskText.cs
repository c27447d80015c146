using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Output;

/// <summary>How tasks read in the terminal.</summary>
public static class TaskText
{
    public static string List(IEnumerable<TaskView> tasks, TimeText time)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var table = new Table("SLUG", "ID", "NAME", "TRIGGER", "STATUS", "NEXT RUN", "LAST RUN") { MaxCellWidth = 48 };
        foreach (var t in tasks)
        {
            table.Add(
                t.Slug,
                t.Id,
                t.Name,
                Trigger(t.Trigger),
                t.Status,
                t.Status == "active" ? time.NextRunShort(t.NextFireAt) : TimeText.None,
                LastRun(t, time));
        }
        return table.RowCount == 0 ? "No tasks.\n" : table.ToString();
    }

    public static string Show(TaskView t, TimeText time)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(time);
        var p = t.Policies;
        var lines = new KeyValues()
            .Add("Task", $"{t.Slug} ({t.Id})")
            .Add("Name", t.Name)
            .Add("Status", t.StatusReason is { Length: > 0 } reason ? $"{t.Status}: {reason}" : t.Status)
            .Add("Trigger", t.Trigger is { } tr ? $"{tr.Description}  [{tr.Kind} {tr.Expression}]" : "manual only")
            .Add("Next run", t.Status == "active" ? time.NextRun(t.NextFireAt) : null)
            .Add("Agent", Agent(t.Agent))
            .Add("Command", t.Agent.Command)
            .Add("Permissions", t.Agent.Permissions)
            .Add("Working dir", t.Agent.Cwd)
            .Add("Thread", t.Thread)
            .Add("Deliver", t.Deliver is { Count: > 0 } deliver ? string.Join(", ", deliver) : null)
            .Add("Timeout", TimeText.Policy(p.Timeout))
            .Add("Retries", p.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("Overlap", p.Overlap)
            .Add("Misfire", $"{p.Misfire} (catch up within {TimeText.Policy(p.CatchUp)})")
            .Add("Jitter", p.Jitter is "0s" or null ? "none" : "up to " + TimeText.Policy(p.Jitter))
            .Add("Max failures", p.MaxConsecutiveFailures > 0
                ? $"pause after {p.MaxConsecutiveFailures} consecutive failures (now {t.ConsecutiveFailures})"
                : "never pause")
            .Add("Last run", t.LastRunId is { } runId
                ? $"{runId} {t.LastRunStatus ?? "?"}{(t.LastRunAt is { } at ? ", " + time.At(at) : "")}"
                : "never")
            .Add("Last summary", t.LastSummary)
            .Add("Last error", t.LastError)
            .Add("Created", time.At(t.CreatedAt))
            .Add("Updated", time.At(t.UpdatedAt))
            .Add("Instructions", t.Instructions);
        return lines.ToString();
    }

    /// <summary>The resolved schedule after a create or update: <c>fires once at 2026-11-22 09:00:00 +01:00 (in 20 min)</c>.</summary>
    public static string Schedule(TaskView t, TimeText time)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(time);
        if (t.Trigger is not { } trigger)
            return $"manual only; start a run with 'agentcron task run {t.Slug}'";
        if (t.Status == "paused")
            return $"{trigger.Description}, paused; resume it with 'agentcron task resume {t.Slug}'";
        if (t.Status != "active")
            return t.StatusReason is { Length: > 0 } reason ? $"{t.Status}: {reason}" : t.Status;
        if (t.NextFireAt is not { } next)
            return $"{trigger.Description}; no future occurrence";
        var when = next < time.Now ? time.NextRun(next) : "at " + time.At(next);
        return trigger.Kind == "at" ? $"fires once {when}" : $"{trigger.Description}; next run {when}";
    }

    /// <summary>
    /// After <c>task cancel</c>: a one-time task ends cancelled; a recurring one only loses its queued and running runs
    /// (the daemon refuses to cancel a task that has ended with nothing running).
    /// </summary>
    public static string Cancelled(TaskView t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.Status == "cancelled"
            ? $"Cancelled task {Name(t)}."
            : $"Cancelled the queued and running runs of task {Name(t)}, if any; it stays {t.Status} ('agentcron task pause {t.Slug}' stops it firing).";
    }

    public static string Created(TaskView t, TimeText time) => $"Created task {Name(t)}: {Schedule(t, time)}";

    public static string Updated(TaskView t, TimeText time) => $"Updated task {Name(t)}: {Schedule(t, time)}";

    /// <summary><c>check-deploy (t_01…)</c>.</summary>
    public static string Name(TaskView t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return $"{t.Slug} ({t.Id})";
    }

    public static string Trigger(TriggerView? trigger) => trigger?.Description ?? "manual";

    private static string LastRun(TaskView t, TimeText time) =>
        t.LastRunStatus is { } status
            ? t.LastRunAt is { } at ? $"{status} {time.Relative(at)}" : status
            : TimeText.None;

    private static string? Agent(AgentInput agent) =>
        (agent.Provider, agent.Model) switch
        {
            (null, null) => "default",
            ({ } provider, null) => provider,
            (null, { } model) => $"default, model {model}",
            ({ } provider, { } model) => $"{provider}, model {model}",
        };
}
