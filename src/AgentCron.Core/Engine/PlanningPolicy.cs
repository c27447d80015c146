using System.Globalization;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;

namespace AgentCron.Core.Engine;

/// <summary>
/// Decides what a due task becomes: which occurrences run, which are recorded as skipped and why, and when it fires next.
/// Pure: it reads the clock and randomness it is given and does no I/O, so the store can call it inside its transaction.
/// </summary>
public static class PlanningPolicy
{
    // How many missed occurrences are enumerated one by one; beyond this the count is reported as a lower bound.
    private const int MaxEnumerated = 10_000;

    public static PlanDecision Decide(PlanInput input, DateTimeOffset now, SchedulerOptions options, Random random, TimeProvider time)
    {
        var task = input.Task;
        if (task.Trigger is not { } trigger || task.NextFireAt is not { } first)
        {
            return new PlanDecision([], null, task.Status);
        }

        var due = new List<DateTimeOffset>();
        DateTimeOffset? next = first;
        while (next is { } occurrence && occurrence <= now && due.Count < MaxEnumerated)
        {
            due.Add(occurrence);
            next = trigger.NextAfter(occurrence);
        }

        var truncated = next is { } pending && pending <= now;
        if (truncated)
        {
            next = trigger.NextAfter(now);
        }

        var policies = task.Policies;
        // Occurrences within the misfire threshold are simply on time, whatever the catch-up window, and so is a window
        // trigger's occurrence for as long as its window is open (a task created, or a daemon started, inside today's
        // window runs today, whatever the misfire policy). The misfire policy only decides about later occurrences that
        // are still inside their catch-up window.
        var onTime = due.Where(o => trigger.DeadlineFor(o) is { } end ? now <= end : now - o <= options.MisfireThreshold).ToList();
        var late = due.Where(o => trigger.DeadlineFor(o) is null && now - o > options.MisfireThreshold && now <= o + policies.CatchUp).ToList();
        var caughtUp = policies.Misfire switch
        {
            MisfirePolicy.Once => onTime.Count == 0 && late.Count > 0 ? [late[^1]] : [],
            MisfirePolicy.Skip => [],
            _ => late.TakeLast(options.MaxCatchUpRuns).ToList(),
        };
        var toRun = caughtUp.Concat(onTime).ToList();

        // Overlap is a policy of recurring tasks: a one-time task's only occurrence waits for a manual run still going
        // (its run is exclusive) instead of being skipped, which would leave the task active with nothing left to fire.
        var overlap = trigger is AtTrigger ? null : OverlapVerdict(input, policies.Overlap);
        var runs = new List<TaskRun>();
        var running = toRun.ToHashSet();
        var missed = due.Where(o => !running.Contains(o)).ToList();
        if (missed.Count > 0)
        {
            // What the skipped run says was done instead is what this decision really queues: a catch-up run, an
            // occurrence that is on time anyway, or nothing (because overlap turned them into skipped runs as well).
            var action = MissedAction(policies.Misfire, caughtUp.Count, onTime.Count, overlap);
            runs.Add(SkippedRun(task, missed[0], now, time, MissedReason(trigger, missed, truncated, policies, now, action)));
        }

        foreach (var occurrence in toRun)
        {
            var isLate = now - occurrence > options.MisfireThreshold;
            var run = new TaskRun
            {
                Id = Ids.New("r", time),
                TaskId = task.Id,
                Occurrence = OccurrenceKey(occurrence),
                Trigger = isLate ? RunTrigger.CatchUp : RunTrigger.Schedule,
                ScheduledFor = occurrence,
                NotBefore = isLate ? now : occurrence + Jitter(policies.Jitter, random),
                Exclusive = policies.Overlap != OverlapPolicy.Allow,
                CreatedAt = now,
            };
            runs.Add(overlap is null ? run : run with { Status = RunStatus.Skipped, FinishedAt = now, Error = "skipped: " + overlap });
        }

        var status = task.Status;
        string? reason = task.StatusReason;
        if (trigger is AtTrigger && toRun.Count == 0)
        {
            // A one-time task whose only occurrence was missed beyond its window ends here, with the reason.
            status = TaskState.Skipped;
            reason = runs.Count > 0 ? runs[0].Error : "missed";
        }

        return new PlanDecision(
            runs,
            next,
            status,
            CancelRunning: overlap is null && trigger is not AtTrigger && policies.Overlap == OverlapPolicy.Replace && input.RunningRuns > 0 && toRun.Count > 0,
            StatusReason: reason);
    }

    /// <summary>The unique occurrence key of a scheduled instant (UTC, fixed format, so every process writes the same key).</summary>
    public static string OccurrenceKey(DateTimeOffset occurrence) =>
        "sched:" + occurrence.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string? OverlapVerdict(PlanInput input, OverlapPolicy overlap) => overlap switch
    {
        OverlapPolicy.Skip when input.RunningRuns + input.QueuedRuns > 0 =>
            "the previous run was still in progress (overlap=skip)",
        OverlapPolicy.Queue when input.QueuedRuns > 0 =>
            "a run was already waiting for the current one to finish (overlap=queue)",
        _ => null,
    };

    private static TimeSpan Jitter(TimeSpan jitter, Random random) =>
        jitter <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(random.NextDouble() * jitter.Ticks));

    private static TaskRun SkippedRun(AgentTask task, DateTimeOffset occurrence, DateTimeOffset now, TimeProvider time, string reason) => new()
    {
        Id = Ids.New("r", time),
        TaskId = task.Id,
        Occurrence = OccurrenceKey(occurrence),
        Trigger = RunTrigger.CatchUp,
        ScheduledFor = occurrence,
        NotBefore = now,
        Status = RunStatus.Skipped,
        CreatedAt = now,
        FinishedAt = now,
        Error = reason,
    };

    private static string MissedReason(Trigger trigger, List<DateTimeOffset> missed, bool truncated, TaskPolicies policies, DateTimeOffset now, string action)
    {
        var count = truncated ? $"more than {missed.Count:N0}" : missed.Count.ToString("N0", CultureInfo.InvariantCulture);
        var span = missed.Count == 1
            ? $"the occurrence at {Stamp(missed[0])}"
            : $"{count} occurrences from {Stamp(missed[0])} to {Stamp(missed[^1])}";
        var window = trigger.DeadlineFor(missed[^1]) is { } end
            ? $"its window closed at {Stamp(end)}"
            : $"the catch-up window is {Time.Durations.Humanize(policies.CatchUp)}";
        var late = Time.Durations.Humanize(now - missed[^1]);
        return $"skipped: {span} missed (latest {late} late; {window}); {action}";
    }

    /// <summary>What was done instead of the missed occurrences, in the words of the task's misfire policy.</summary>
    private static string MissedAction(MisfirePolicy misfire, int caughtUp, int onTime, string? overlap) => misfire switch
    {
        _ when overlap is not null && caughtUp + onTime > 0 => $"nothing was run: {overlap}",
        MisfirePolicy.Once when caughtUp == 1 => "one catch-up run was made for the latest (misfire=once)",
        MisfirePolicy.Once when onTime > 0 => "no catch-up run: the occurrence due now runs on time instead (misfire=once)",
        MisfirePolicy.All when caughtUp > 0 => $"{caughtUp} were run (misfire=all)",
        _ => $"none of them was run (misfire={EnumText.ToText(misfire)})",
    };

    private static string Stamp(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
