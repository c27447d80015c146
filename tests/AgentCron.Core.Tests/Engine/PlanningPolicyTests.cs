using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Engine.EngineData;

namespace AgentCron.Core.Tests.Engine;

public class PlanningPolicyTests
{
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    // An every-10-minutes task whose daemon was down from just after T0 until 5 minutes past the next midnight:
    // 144 occurrences (00:10 … 24:00) are due, the latest 5 minutes late.
    private static readonly DateTimeOffset BackAfterADay = T0.AddDays(1).AddMinutes(5);

    private static AgentTask DownForADay(MisfirePolicy misfire, TimeSpan? catchUp = null) =>
        Task(Every(TenMinutes, T0), T0 + TenMinutes, new TaskPolicies { Misfire = misfire, CatchUp = catchUp ?? TimeSpan.FromHours(1) });

    [Fact]
    public void Decide_MakesOneCatchUpRunAndOneSkippedRun_WhenMisfireOnceAfterADayDown()
    {
        var decision = Decide(DownForADay(MisfirePolicy.Once), BackAfterADay);

        Assert.Equal(2, decision.NewRuns.Count);
        var skipped = Assert.Single(decision.NewRuns, r => r.Status == RunStatus.Skipped);
        var caughtUp = Assert.Single(decision.NewRuns, r => r.Status == RunStatus.Queued);
        Assert.Equal((T0.AddDays(1), RunTrigger.CatchUp, BackAfterADay), (caughtUp.ScheduledFor, caughtUp.Trigger, caughtUp.NotBefore));
        Assert.Equal(PlanningPolicy.OccurrenceKey(T0.AddDays(1)), caughtUp.Occurrence);
        Assert.Equal(BackAfterADay, skipped.FinishedAt);
        Assert.Contains("143 occurrences from 2026-03-01 00:10:00Z to 2026-03-01 23:50:00Z missed", skipped.Error, StringComparison.Ordinal);
        Assert.EndsWith("one catch-up run was made for the latest (misfire=once)", skipped.Error, StringComparison.Ordinal);
        Assert.NotEqual(caughtUp.Occurrence, skipped.Occurrence);
        Assert.Equal(T0.AddDays(1) + TenMinutes, decision.NextFireAt);
        Assert.Equal(TaskState.Active, decision.Status);
    }

    [Fact]
    public void Decide_RecordsOneSkippedRunAndRunsNothing_WhenMisfireSkipAfterADayDown()
    {
        var decision = Decide(DownForADay(MisfirePolicy.Skip), BackAfterADay);

        var skipped = Assert.Single(decision.NewRuns);
        Assert.Equal(RunStatus.Skipped, skipped.Status);
        Assert.Contains("144 occurrences from 2026-03-01 00:10:00Z to 2026-03-02 00:00:00Z missed", skipped.Error, StringComparison.Ordinal);
        Assert.EndsWith("none of them was run (misfire=skip)", skipped.Error, StringComparison.Ordinal);
        Assert.Equal(T0.AddDays(1) + TenMinutes, decision.NextFireAt);
    }

    [Fact]
    public void Decide_RunsAtMostMaxCatchUpRuns_WhenMisfireAllAndEverythingIsInsideTheWindow()
    {
        var decision = Decide(DownForADay(MisfirePolicy.All, catchUp: TimeSpan.FromDays(2)), BackAfterADay);

        var runs = decision.NewRuns.Where(r => r.Status == RunStatus.Queued).ToList();
        Assert.Equal(Options.MaxCatchUpRuns, runs.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => T0.AddDays(1).AddMinutes(-10 * (9 - i))), runs.Select(r => r.ScheduledFor));
        Assert.All(runs, r => Assert.Equal(RunTrigger.CatchUp, r.Trigger));
        Assert.Equal(runs.Count, runs.Select(r => r.Occurrence).Distinct().Count());
        var skipped = Assert.Single(decision.NewRuns, r => r.Status == RunStatus.Skipped);
        Assert.Contains("134 occurrences from 2026-03-01 00:10:00Z to 2026-03-01 22:20:00Z missed", skipped.Error, StringComparison.Ordinal);
        Assert.Contains("10 were run (misfire=all)", skipped.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_CatchesUpOnlyInsideTheCatchUpWindow_WhenMisfireAll()
    {
        var decision = Decide(DownForADay(MisfirePolicy.All), BackAfterADay);

        // Inside the default one-hour window: 23:10 … 24:00.
        var runs = decision.NewRuns.Where(r => r.Status == RunStatus.Queued).Select(r => r.ScheduledFor).ToList();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => T0.AddDays(1).AddMinutes(-10 * (5 - i))), runs);
        Assert.Contains("138 occurrences", Assert.Single(decision.NewRuns, r => r.Status == RunStatus.Skipped).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ReportsALowerBound_WhenMoreOccurrencesWereMissedThanAreCounted()
    {
        var task = Task(Every(TimeSpan.FromSeconds(1), T0), T0.AddSeconds(1), new TaskPolicies { Misfire = MisfirePolicy.Skip });
        var now = T0.AddDays(30);

        var decision = Decide(task, now);

        var skipped = Assert.Single(decision.NewRuns);
        Assert.Contains("more than 10,000 occurrences", skipped.Error, StringComparison.Ordinal);
        Assert.Equal(now.AddSeconds(1), decision.NextFireAt);
    }

    [Theory]
    [InlineData(MisfirePolicy.Once)]
    [InlineData(MisfirePolicy.Skip)]
    [InlineData(MisfirePolicy.All)]
    public void Decide_RunsOnSchedule_WhenLateWithinTheMisfireThreshold(MisfirePolicy misfire)
    {
        var task = Task(Every(TenMinutes, T0), T0 + TenMinutes, new TaskPolicies { Misfire = misfire });

        var decision = Decide(task, T0 + TenMinutes + TimeSpan.FromSeconds(59));

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, RunTrigger.Schedule, T0 + TenMinutes, T0 + TenMinutes), (run.Status, run.Trigger, run.ScheduledFor, run.NotBefore));
        Assert.Null(run.Error);
    }

    [Theory]
    [InlineData(MisfirePolicy.Once)]
    [InlineData(MisfirePolicy.Skip)]
    [InlineData(MisfirePolicy.All)]
    public void Decide_RunsOnSchedule_WhenLateWithinTheMisfireThresholdButBeyondAShorterCatchUpWindow(MisfirePolicy misfire)
    {
        // Regression: a catch-up window shorter than the threshold turned ordinary planner lag into a missed run.
        var task = Task(Every(TenMinutes, T0), T0 + TenMinutes, new TaskPolicies { Misfire = misfire, CatchUp = TimeSpan.FromSeconds(1) });

        var decision = Decide(task, T0 + TenMinutes + TimeSpan.FromSeconds(30));

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, RunTrigger.Schedule), (run.Status, run.Trigger));
    }

    [Fact]
    public void Decide_SkipsOnlyTheLateOccurrences_WhenTheLatestIsOnTime()
    {
        var task = Task(Every(TenMinutes, T0), T0 + TenMinutes, new TaskPolicies { Misfire = MisfirePolicy.Once });

        var decision = Decide(task, T0.AddMinutes(30).AddSeconds(10));

        var run = Assert.Single(decision.NewRuns, r => r.Status == RunStatus.Queued);
        Assert.Equal((T0.AddMinutes(30), RunTrigger.Schedule), (run.ScheduledFor, run.Trigger));
        var skipped = Assert.Single(decision.NewRuns, r => r.Status == RunStatus.Skipped);
        Assert.Contains("2 occurrences", skipped.Error, StringComparison.Ordinal);
        // Regression: it said "one catch-up run was made for the latest" while none was.
        Assert.EndsWith("no catch-up run: the occurrence due now runs on time instead (misfire=once)", skipped.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip, 1, 0, "the previous run was still in progress (overlap=skip)")]
    [InlineData(OverlapPolicy.Queue, 1, 1, "a run was already waiting for the current one to finish (overlap=queue)")]
    public void Decide_SaysNothingWasRun_WhenOverlapSkipsTheCatchUpRunToo(OverlapPolicy overlap, int queued, int running, string reason)
    {
        // After a graceful stop the interrupted run waits in the queue: the catch-up run of the outage is skipped for it.
        var task = Task(Every(TenMinutes, T0), T0 + TenMinutes, new TaskPolicies { Misfire = MisfirePolicy.Once, Overlap = overlap });

        var decision = Decide(task, T0.AddMinutes(35), queued, running);

        Assert.All(decision.NewRuns, r => Assert.Equal(RunStatus.Skipped, r.Status));
        Assert.Equal(2, decision.NewRuns.Count);
        Assert.EndsWith($"2 occurrences from 2026-03-01 00:10:00Z to 2026-03-01 00:20:00Z missed (latest 15 min late; the catch-up window is 1 h); nothing was run: {reason}", decision.NewRuns[0].Error, StringComparison.Ordinal);
        Assert.Equal(("skipped: " + reason, T0.AddMinutes(30)), (decision.NewRuns[1].Error, decision.NewRuns[1].ScheduledFor));
    }

    [Fact]
    public void Decide_RunsOneTimeTaskAsCatchUp_WhenLateWithinItsCatchUpWindow()
    {
        var task = Task(new AtTrigger(T0), T0);
        var now = T0.AddMinutes(50);

        var decision = Decide(task, now);

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, RunTrigger.CatchUp, T0, now), (run.Status, run.Trigger, run.ScheduledFor, run.NotBefore));
        Assert.Equal(TaskState.Active, decision.Status);
        Assert.Null(decision.NextFireAt);
    }

    [Fact]
    public void Decide_EndsOneTimeTaskSkippedWithTheReason_WhenMissedBeyondItsCatchUpWindow()
    {
        var task = Task(new AtTrigger(T0), T0);

        var decision = Decide(task, T0.AddDays(2));

        var skipped = Assert.Single(decision.NewRuns);
        Assert.Equal(RunStatus.Skipped, skipped.Status);
        Assert.Equal(TaskState.Skipped, decision.Status);
        Assert.Null(decision.NextFireAt);
        Assert.Equal(skipped.Error, decision.StatusReason);
        Assert.Contains("the occurrence at 2026-03-01 00:00:00Z missed", decision.StatusReason, StringComparison.Ordinal);
        Assert.Contains("2 d late", decision.StatusReason, StringComparison.Ordinal);
        Assert.Contains("the catch-up window is 1 h", decision.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_CatchesUpAWindowOccurrence_UntilTheWindowCloses()
    {
        // 90 minutes late is beyond the one-hour catch-up window, but the window itself is still open.
        var task = Task(Window("09:00-11:00"), T0.AddHours(9), new TaskPolicies { CatchUp = TimeSpan.FromHours(1) });

        var decision = Decide(task, T0.AddHours(10.5));

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, RunTrigger.CatchUp, T0.AddHours(9)), (run.Status, run.Trigger, run.ScheduledFor));
        Assert.Equal(T0.AddDays(1).AddHours(9), decision.NextFireAt);
    }

    /// <summary>Regression: under misfire=skip (or once) a task created inside today's window was recorded skipped.</summary>
    [Theory]
    [InlineData(MisfirePolicy.Skip)]
    [InlineData(MisfirePolicy.Once)]
    [InlineData(MisfirePolicy.All)]
    public void Decide_RunsTodaysWindowOccurrence_WhileTheWindowIsOpen_WhateverTheMisfirePolicy(MisfirePolicy misfire)
    {
        var task = Task(Window("09:00-11:00"), T0.AddHours(9), new TaskPolicies { Misfire = misfire });

        var decision = Decide(task, T0.AddHours(10));

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, T0.AddHours(9), T0.AddHours(10)), (run.Status, run.ScheduledFor, run.NotBefore));
        Assert.Equal(T0.AddDays(1).AddHours(9), decision.NextFireAt);
    }

    [Fact]
    public void Decide_SkipsAWindowOccurrence_WhenTheWindowHasClosed()
    {
        var task = Task(Window("09:00-11:00"), T0.AddHours(9), new TaskPolicies { CatchUp = TimeSpan.FromDays(1) });

        var decision = Decide(task, T0.AddHours(11.5));

        var skipped = Assert.Single(decision.NewRuns);
        Assert.Equal(RunStatus.Skipped, skipped.Status);
        Assert.Contains("its window closed at 2026-03-01 11:00:00Z", skipped.Error, StringComparison.Ordinal);
        Assert.Equal(TaskState.Active, decision.Status);
        Assert.Equal(T0.AddDays(1).AddHours(9), decision.NextFireAt);
    }

    [Fact]
    public void Decide_FiresACronTaskOnTimeAndMovesToTheNextOccurrence()
    {
        var task = Task(Cron("*/5 * * * *"), T0.AddMinutes(5));

        var decision = Decide(task, T0.AddMinutes(5));

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, RunTrigger.Schedule, T0.AddMinutes(5), true), (run.Status, run.Trigger, run.NotBefore, run.Exclusive));
        Assert.Equal(T0.AddMinutes(10), decision.NextFireAt);
        Assert.False(decision.CancelRunning);
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip, 0, 1, "overlap=skip")]
    [InlineData(OverlapPolicy.Skip, 1, 0, "overlap=skip")]
    [InlineData(OverlapPolicy.Queue, 1, 1, "overlap=queue")]
    [InlineData(OverlapPolicy.Queue, 1, 0, "overlap=queue")]
    public void Decide_RecordsTheOccurrenceSkipped_WhenOverlapForbidsIt(OverlapPolicy overlap, int queued, int running, string reason)
    {
        var task = Task(Cron("*/5 * * * *"), T0.AddMinutes(5), new TaskPolicies { Overlap = overlap });

        var decision = Decide(task, T0.AddMinutes(5), queued, running);

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Skipped, T0.AddMinutes(5)), (run.Status, run.FinishedAt));
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
        Assert.False(decision.CancelRunning);
        Assert.Equal(T0.AddMinutes(10), decision.NextFireAt);
    }

    [Theory]
    [InlineData(OverlapPolicy.Queue, 0, 1, true, false)]
    [InlineData(OverlapPolicy.Allow, 3, 2, false, false)]
    [InlineData(OverlapPolicy.Replace, 0, 1, true, true)]
    [InlineData(OverlapPolicy.Replace, 0, 0, true, false)]
    [InlineData(OverlapPolicy.Skip, 0, 0, true, false)]
    public void Decide_QueuesTheOccurrence_WhenOverlapAllowsIt(OverlapPolicy overlap, int queued, int running, bool exclusive, bool cancelRunning)
    {
        var task = Task(Cron("*/5 * * * *"), T0.AddMinutes(5), new TaskPolicies { Overlap = overlap });

        var decision = Decide(task, T0.AddMinutes(5), queued, running);

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, exclusive), (run.Status, run.Exclusive));
        Assert.Equal(cancelRunning, decision.CancelRunning);
    }

    [Fact]
    public void Decide_QueuesAOneTimeTasksRun_WhenAManualRunOfItIsStillGoing()
    {
        // Regression: overlap=skip (the default, meant for recurring tasks) recorded the only occurrence of a one-time
        // task as skipped while the task stayed active with nothing left to fire, forever.
        var task = Task(new AtTrigger(T0), T0);

        var decision = Decide(task, T0, queued: 0, running: 1);

        var run = Assert.Single(decision.NewRuns);
        Assert.Equal((RunStatus.Queued, true), (run.Status, run.Exclusive));
        Assert.Equal(TaskState.Active, decision.Status);
        Assert.False(decision.CancelRunning);
    }

    [Fact]
    public void Decide_DelaysEachRunWithinTheJitter_WhenJitterIsSet()
    {
        var jitter = TimeSpan.FromMinutes(5);
        var task = Task(Cron("*/5 * * * *"), T0.AddMinutes(5), new TaskPolicies { Jitter = jitter });
        var random = new Random(12345);

        var delays = Enumerable.Range(0, 500)
            .Select(_ => Assert.Single(Decide(task, T0.AddMinutes(5), random: random).NewRuns).NotBefore - T0.AddMinutes(5))
            .ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, jitter - TimeSpan.FromTicks(1)));
        Assert.True(delays.Max() - delays.Min() > jitter / 2, "the delays should spread over the jitter");
    }

    [Fact]
    public void Decide_StartsCatchUpRunsAtOnce_WhateverTheJitter()
    {
        var task = Task(new AtTrigger(T0), T0, new TaskPolicies { Jitter = TimeSpan.FromMinutes(30) });

        var run = Assert.Single(Decide(task, T0.AddMinutes(20)).NewRuns);

        Assert.Equal(T0.AddMinutes(20), run.NotBefore);
    }

    [Fact]
    public void Decide_ChangesNothing_WhenTheTaskHasNoTriggerOrNoNextFireTime()
    {
        var manual = Decide(Task(null, null), T0);
        var unscheduled = Decide(Task(Cron("* * * * *"), null, status: TaskState.Paused), T0);

        Assert.Empty(manual.NewRuns);
        Assert.Null(manual.NextFireAt);
        Assert.Empty(unscheduled.NewRuns);
        Assert.Equal(TaskState.Paused, unscheduled.Status);
    }

    [Fact]
    public void OccurrenceKey_IsTheSame_ForOneInstantWrittenInAnyOffset()
    {
        var utc = new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

        Assert.Equal(PlanningPolicy.OccurrenceKey(utc), PlanningPolicy.OccurrenceKey(utc.ToOffset(TimeSpan.FromHours(1))));
        Assert.NotEqual(PlanningPolicy.OccurrenceKey(utc), PlanningPolicy.OccurrenceKey(utc.AddTicks(1)));
    }
}
