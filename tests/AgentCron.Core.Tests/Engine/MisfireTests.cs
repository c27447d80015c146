using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>How the daemon was away while occurrences came and went.</summary>
public enum Outage
{
    /// <summary>The daemon kept running but the machine slept: the clock jumps, every sleeping loop wakes late, once.</summary>
    ClockJump,

    /// <summary>The daemon stopped, time passed, a new daemon started on the same database file.</summary>
    DaemonRestart,
}

/// <summary>
/// The misfire policies after a real outage, through the whole scheduler (all its loops running on the fake clock) and
/// a real SQLite file: an every-10-minutes task runs its 00:10 occurrence, then the daemon is away until shortly after
/// 03:00, missing the 17 occurrences 00:20 … 03:00. The default catch-up window (1 h) reaches back to 02:10.
/// </summary>
public class MisfireTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    // Every loop sleeps until its own next instant rather than at most 30 s, so the planner's sleep is the timer due at the
    // next occurrence: the test waits until it is asleep before it moves the clock (else the wake-up could be lost).
    private static readonly SchedulerOptions Options = new() { NodeId = "node-test", MaxIdle = TimeSpan.FromDays(1) };

    private static DateTimeOffset At(int hour, int minute, int second = 0) => EngineHarness.Start + new TimeSpan(hour, minute, second);

    [Theory]
    [InlineData(Outage.ClockJump)]
    [InlineData(Outage.DaemonRestart)]
    public async Task Once_RunsOneCatchUpForTheLatestMissedOccurrence_AndRecordsTheOthersAsOneSkippedRun(Outage outage)
    {
        await using var engine = await EngineHarness.StartAsync(Options);

        var runs = await MissOccurrencesAsync(engine, new TaskPolicies { Misfire = MisfirePolicy.Once }, back: At(3, 5), outage);

        Assert.Equal(
            [(At(0, 10), RunStatus.Succeeded, RunTrigger.Schedule), (At(0, 20), RunStatus.Skipped, RunTrigger.CatchUp), (At(3, 0), RunStatus.Succeeded, RunTrigger.CatchUp)],
            Summary(runs));
        AssertSaysMissed(runs[1], "16 occurrences from 2026-03-01 00:20:00Z to 2026-03-01 02:50:00Z missed", "one catch-up run was made for the latest (misfire=once)");
    }

    [Theory]
    [InlineData(Outage.ClockJump)]
    [InlineData(Outage.DaemonRestart)]
    public async Task Skip_RunsNothingAndRecordsEveryMissedOccurrenceAsOneSkippedRun(Outage outage)
    {
        await using var engine = await EngineHarness.StartAsync(Options);

        var runs = await MissOccurrencesAsync(engine, new TaskPolicies { Misfire = MisfirePolicy.Skip }, back: At(3, 5), outage);

        Assert.Equal([(At(0, 10), RunStatus.Succeeded, RunTrigger.Schedule), (At(0, 20), RunStatus.Skipped, RunTrigger.CatchUp)], Summary(runs));
        AssertSaysMissed(runs[1], "17 occurrences from 2026-03-01 00:20:00Z to 2026-03-01 03:00:00Z missed", "none of them was run (misfire=skip)");
    }

    [Theory]
    [InlineData(Outage.ClockJump)]
    [InlineData(Outage.DaemonRestart)]
    public async Task All_RunsEveryMissedOccurrenceInsideTheCatchUpWindowOldestFirst_AndRecordsTheOlderOnesSkipped(Outage outage)
    {
        await using var engine = await EngineHarness.StartAsync(Options);

        var runs = await MissOccurrencesAsync(engine, new TaskPolicies { Misfire = MisfirePolicy.All }, back: At(3, 5), outage);

        var caughtUp = Enumerable.Range(0, 6).Select(i => (At(2, 10) + (i * Interval), RunStatus.Succeeded, RunTrigger.CatchUp));
        Assert.Equal(
            [(At(0, 10), RunStatus.Succeeded, RunTrigger.Schedule), (At(0, 20), RunStatus.Skipped, RunTrigger.CatchUp), .. caughtUp],
            Summary(runs));
        AssertSaysMissed(runs[1], "11 occurrences from 2026-03-01 00:20:00Z to 2026-03-01 02:00:00Z missed", "6 were run (misfire=all)");
        // One after the other, oldest first: the runner's call numbers follow the occurrences.
        for (var i = 2; i < runs.Count; i++)
        {
            Assert.Contains(await engine.LogAsync(runs[i].Id), e => e.Type == "stdout" && e.Data.GetProperty("text").GetString() == $"call {i}, attempt 1");
        }
    }

    [Theory]
    [InlineData(Outage.ClockJump)]
    [InlineData(Outage.DaemonRestart)]
    public async Task Once_RunsNothing_WhenEvenTheLatestMissedOccurrenceIsOlderThanTheCatchUpWindow(Outage outage)
    {
        await using var engine = await EngineHarness.StartAsync(Options);

        var policies = new TaskPolicies { Misfire = MisfirePolicy.Once, CatchUp = TimeSpan.FromMinutes(2) };
        var runs = await MissOccurrencesAsync(engine, policies, back: At(3, 5), outage);

        Assert.Equal([(At(0, 10), RunStatus.Succeeded, RunTrigger.Schedule), (At(0, 20), RunStatus.Skipped, RunTrigger.CatchUp)], Summary(runs));
        AssertSaysMissed(runs[1], "17 occurrences from 2026-03-01 00:20:00Z to 2026-03-01 03:00:00Z missed (latest 5 min late; the catch-up window is 2 min)", "none of them was run (misfire=once)");
    }

    [Theory]
    [InlineData(Outage.ClockJump)]
    [InlineData(Outage.DaemonRestart)]
    public async Task Once_SaysNoCatchUpRunWasMade_WhenTheOccurrenceDueAsTheDaemonComesBackIsOnTime(Outage outage)
    {
        // Regression: the skipped run said "one catch-up run was made for the latest" while none was (the occurrence that
        // ran was on time, and the latest missed one did not run).
        await using var engine = await EngineHarness.StartAsync(Options);

        var runs = await MissOccurrencesAsync(engine, new TaskPolicies { Misfire = MisfirePolicy.Once }, back: At(3, 0, 30), outage);

        Assert.Equal(
            [(At(0, 10), RunStatus.Succeeded, RunTrigger.Schedule), (At(0, 20), RunStatus.Skipped, RunTrigger.CatchUp), (At(3, 0), RunStatus.Succeeded, RunTrigger.Schedule)],
            Summary(runs));
        AssertSaysMissed(runs[1], "16 occurrences from 2026-03-01 00:20:00Z to 2026-03-01 02:50:00Z missed", "no catch-up run: the occurrence due now runs on time instead (misfire=once)");
        Assert.DoesNotContain("catch-up run was made", runs[1].Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Outage.ClockJump)]
    [InlineData(Outage.DaemonRestart)]
    public async Task CatchUpWindowShorterThanTheMisfireThreshold_StillRunsAnOccurrenceLessThanTheThresholdLate(Outage outage)
    {
        // Lateness up to Engine:MisfireThreshold (1 min) is on time whatever the catch-up window (docs/scheduling.md):
        // 03:00 is 45 s late, beyond a 30 s window, and runs as scheduled.
        await using var engine = await EngineHarness.StartAsync(Options);

        var policies = new TaskPolicies { Misfire = MisfirePolicy.Once, CatchUp = TimeSpan.FromSeconds(30) };
        var runs = await MissOccurrencesAsync(engine, policies, back: At(3, 0, 45), outage);

        Assert.Equal(
            [(At(0, 10), RunStatus.Succeeded, RunTrigger.Schedule), (At(0, 20), RunStatus.Skipped, RunTrigger.CatchUp), (At(3, 0), RunStatus.Succeeded, RunTrigger.Schedule)],
            Summary(runs));
        AssertSaysMissed(runs[1], "the catch-up window is 30 s", "no catch-up run: the occurrence due now runs on time instead (misfire=once)");
    }

    /// <summary>
    /// Creates an every-10-minutes task, starts all the scheduler's loops, lets the 00:10 occurrence run on time, then takes
    /// the daemon away (<paramref name="outage"/>) until <paramref name="back"/>. Returns the task's runs, by occurrence,
    /// once the scheduler has planned the missed occurrences and every run it queued has finished — after checking what
    /// holds for every policy: the task goes on at 03:10, and the agent ran once for each run that succeeded, no more.
    /// </summary>
    private static async Task<List<TaskRun>> MissOccurrencesAsync(EngineHarness engine, TaskPolicies policies, DateTimeOffset back, Outage outage)
    {
        engine.Runner.Script = call => new RunnerResult(true, 0, $"done {call}", null);
        var task = await engine.CreateTaskAsync(new EveryTrigger(Interval, EngineHarness.Start), policies);
        engine.Scheduler.Start();
        // While the loops run, the clock jumps (Advance would show them the instants between, and a loop that reads one
        // of those and then arms its timer from a later one sleeps past its due time).
        await engine.Time.WaitForTimerAsync(At(0, 10), "the planner to sleep until the first occurrence");
        engine.Time.Jump(At(0, 10) - engine.Now);
        await SettledAsync(engine, task, At(0, 10), "the 00:10 occurrence to run");

        if (outage == Outage.ClockJump)
        {
            await engine.Time.WaitForTimerAsync(At(0, 20), "the planner to sleep until the next occurrence");
            engine.Time.Jump(back - engine.Now);
        }
        else
        {
            await engine.RestartAsync(back - engine.Now);
        }

        var runs = await SettledAsync(engine, task, back, "the missed occurrences to be planned and their runs to finish");
        Assert.Equal(At(3, 10), (await engine.TaskAsync(task.Id)).NextFireAt);
        Assert.Equal(runs.Count(r => r.Status == RunStatus.Succeeded), engine.Runner.Calls);
        return runs;
    }

    /// <summary>The task's runs once its next fire time is after <paramref name="planned"/> and none of its runs is queued or running.</summary>
    private static async Task<List<TaskRun>> SettledAsync(EngineHarness engine, AgentTask task, DateTimeOffset planned, string what) =>
        await Eventually.GetAsync(
            async () => (await engine.TaskAsync(task.Id)).NextFireAt > planned && await engine.RunsAsync(task.Id) is var runs && runs.All(r => r.Status is not (RunStatus.Queued or RunStatus.Running))
                ? runs
                : null,
            TimeSpan.FromSeconds(30),
            what);

    private static List<(DateTimeOffset, RunStatus, RunTrigger)> Summary(List<TaskRun> runs) => [.. runs.Select(r => (r.ScheduledFor, r.Status, r.Trigger))];

    private static void AssertSaysMissed(TaskRun skipped, string span, string action)
    {
        Assert.Contains(span, skipped.Error, StringComparison.Ordinal);
        Assert.EndsWith(action, skipped.Error, StringComparison.Ordinal);
    }
}
