using AgentCron.Core.Time;
using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Triggers;

/// <summary>
/// The authoritative daylight-saving behaviour of cron triggers (Cronos's rule; see CronTrigger's remarks).
/// 2026 transitions: Europe/Berlin 03-29 02:00 CET → 03:00 CEST (01:00Z) and 10-25 03:00 CEST → 02:00 CET (01:00Z);
/// America/New_York 03-08 02:00 EST → 03:00 EDT (07:00Z) and 11-01 02:00 EDT → 01:00 EST (06:00Z).
/// </summary>
public class CronTriggerDstTests
{
    private static List<DateTimeOffset> Runs(string expression, string zone, string from, string until)
    {
        var trigger = new CronTrigger(expression, Zone(zone));
        var end = I(until);
        var result = new List<DateTimeOffset>();
        for (var next = trigger.NextAfter(I(from)); next is { } n && n <= end; next = trigger.NextAfter(n))
            result.Add(n);
        return result;
    }

    private static void AssertRuns(string expression, string zone, string from, string until, params string[] expected)
    {
        var actual = Runs(expression, zone, from, until);
        Assert.Equal(expected.Select(I).ToList(), actual);
        // Offsets are the zone's real offsets at each instant, so the wall clock shown is right.
        var tz = Zone(zone);
        Assert.All(actual, o => Assert.Equal(tz.GetUtcOffset(o), o.Offset));
    }

    private static void AssertEvenlySpaced(List<DateTimeOffset> runs, TimeSpan step)
    {
        Assert.NotEmpty(runs);
        Assert.Equal(runs.Count, runs.Distinct().Count());
        for (var i = 1; i < runs.Count; i++)
            Assert.True(runs[i] - runs[i - 1] == step, $"gap of {runs[i] - runs[i - 1]} between {runs[i - 1]:O} and {runs[i]:O}");
    }

    // ---- Spring forward: a fixed time in the skipped hour fires once, at the transition ----

    [Fact]
    public void NextAfter_FiresAtTransition_WhenFixedTimeIsSkipped_Berlin()
    {
        AssertRuns("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00Z", "2026-03-30T12:00Z",
            "2026-03-28T02:30+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00");
    }

    [Fact]
    public void NextAfter_FiresAtTransition_WhenFixedTimeIsSkipped_NewYork()
    {
        AssertRuns("30 2 * * *", "America/New_York", "2026-03-06T12:00Z", "2026-03-09T12:00Z",
            "2026-03-07T02:30-05:00", "2026-03-08T03:00-04:00", "2026-03-09T02:30-04:00");
    }

    [Fact]
    public void NextAfter_CollapsesSkippedOccurrences_IntoOneAtTransition()
    {
        // 02:00, 02:20, 02:40 and 03:00 all land on 03:00 CEST: one run, not four.
        AssertRuns("0,20,40 2,3 * * *", "Europe/Berlin", "2026-03-28T23:00Z", "2026-03-29T03:00Z",
            "2026-03-29T03:00+02:00", "2026-03-29T03:20+02:00", "2026-03-29T03:40+02:00");
    }

    [Fact]
    public void NextAfter_FiresAtTransition_WhenSkippedTimeHasSeconds()
    {
        AssertRuns("15 30 2 * * *", "Europe/Berlin", "2026-03-29T00:00Z", "2026-03-30T12:00Z",
            "2026-03-29T03:00+02:00", "2026-03-30T02:30:15+02:00");
    }

    // ---- Fall back: a fixed time in the repeated hour fires exactly once, at its first instant ----

    [Fact]
    public void NextAfter_FiresOnce_WhenFixedTimeIsRepeated_Berlin()
    {
        AssertRuns("30 2 * * *", "Europe/Berlin", "2026-10-23T12:00Z", "2026-10-26T12:00Z",
            "2026-10-24T02:30+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00");
    }

    [Fact]
    public void NextAfter_FiresOnce_WhenFixedTimeIsRepeated_NewYork()
    {
        AssertRuns("30 1 * * *", "America/New_York", "2026-10-30T12:00Z", "2026-11-02T12:00Z",
            "2026-10-31T01:30-04:00", "2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00");
    }

    [Fact]
    public void NextAfter_DoesNotRepeat_WhenAskedFromInsideSecondPass()
    {
        // 01:10 EST is in the second pass; 01:30 already fired in the first pass (EDT), so the next is tomorrow.
        var trigger = new CronTrigger("30 1 * * *", NewYork);
        Assert.Equal(I("2026-11-02T01:30-05:00"), trigger.NextAfter(I("2026-11-01T01:10-05:00")));
        // From inside the first pass, before 01:30, the first pass still fires.
        Assert.Equal(I("2026-11-01T01:30-04:00"), trigger.NextAfter(I("2026-11-01T01:10-04:00")));
    }

    [Fact]
    public void NextAfter_FiresOnceEach_WhenListInRepeatedHourIsNotAnInterval()
    {
        // Minute list with a fixed hour is not an interval expression (no field starts with *): each time fires once.
        AssertRuns("0,30 1 * * *", "America/New_York", "2026-11-01T04:00Z", "2026-11-02T00:00Z",
            "2026-11-01T01:00-04:00", "2026-11-01T01:30-04:00");
    }

    // ---- Interval expressions: evenly spaced in real time through both transitions ----

    [Fact]
    public void NextAfter_FiresInBothPasses_WhenHourlyInRepeatedHour_NewYork()
    {
        AssertRuns("0 * * * *", "America/New_York", "2026-11-01T03:30Z", "2026-11-01T08:00Z",
            "2026-11-01T00:00-04:00", "2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00",
            "2026-11-01T02:00-05:00", "2026-11-01T03:00-05:00");
    }

    [Fact]
    public void NextAfter_SkipsNothing_WhenHourlyInSkippedHour_NewYork()
    {
        // 02:00 does not exist; 01:00 EST is followed by 03:00 EDT, one real hour later.
        AssertRuns("0 * * * *", "America/New_York", "2026-03-08T05:30Z", "2026-03-08T08:00Z",
            "2026-03-08T01:00-05:00", "2026-03-08T03:00-04:00", "2026-03-08T04:00-04:00");
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-03-28T20:00Z", "2026-03-29T06:00Z")]
    [InlineData("Europe/Berlin", "2026-10-24T20:00Z", "2026-10-25T06:00Z")]
    [InlineData("America/New_York", "2026-03-08T02:00Z", "2026-03-08T12:00Z")]
    [InlineData("America/New_York", "2026-11-01T01:00Z", "2026-11-01T11:00Z")]
    public void NextAfter_IsEvenlySpacedInRealTime_WhenHourlyCrossesTransition(string zone, string from, string until)
    {
        var runs = Runs("0 * * * *", zone, from, until);
        AssertEvenlySpaced(runs, TimeSpan.FromHours(1));
        Assert.Equal(10, runs.Count);
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-03-28T22:00Z", "2026-03-29T04:00Z")]
    [InlineData("Europe/Berlin", "2026-10-24T22:00Z", "2026-10-25T04:00Z")]
    [InlineData("America/New_York", "2026-03-08T04:00Z", "2026-03-08T10:00Z")]
    [InlineData("America/New_York", "2026-11-01T03:00Z", "2026-11-01T09:00Z")]
    public void NextAfter_IsEvenlySpacedInRealTime_WhenEvery15MinutesCrossesTransition(string zone, string from, string until)
    {
        var runs = Runs("*/15 * * * *", zone, from, until);
        AssertEvenlySpaced(runs, TimeSpan.FromMinutes(15));
        Assert.Equal(24, runs.Count);
    }

    [Fact]
    public void NextAfter_ListsRepeatedQuarterHoursTwice_WhenEvery15MinutesFallsBack_Berlin()
    {
        AssertRuns("*/15 * * * *", "Europe/Berlin", "2026-10-25T00:40Z", "2026-10-25T02:10Z",
            "2026-10-25T02:45+02:00", "2026-10-25T02:00+01:00", "2026-10-25T02:15+01:00", "2026-10-25T02:30+01:00",
            "2026-10-25T02:45+01:00", "2026-10-25T03:00+01:00");
    }

    [Fact]
    public void NextAfter_FiresInBothPasses_WhenMinuteStepHasFixedRepeatedHour()
    {
        // "*/30 2 * * *" is an interval expression (minute starts with *): both passes of 02:xx in Berlin.
        AssertRuns("*/30 2 * * *", "Europe/Berlin", "2026-10-24T12:00Z", "2026-10-25T12:00Z",
            "2026-10-25T02:00+02:00", "2026-10-25T02:30+02:00", "2026-10-25T02:00+01:00", "2026-10-25T02:30+01:00");
    }

    [Fact]
    public void NextAfter_FiresOnceAtTransition_WhenMinuteStepIsInSkippedHour()
    {
        AssertRuns("*/30 2 * * *", "Europe/Berlin", "2026-03-28T12:00Z", "2026-03-30T12:00Z",
            "2026-03-29T03:00+02:00", "2026-03-30T02:00+02:00", "2026-03-30T02:30+02:00");
    }

    [Fact]
    public void NextAfter_IsEvenlySpaced_WhenSecondsStepCrossesFallBack()
    {
        var runs = Runs("*/30 * * * * *", "America/New_York", "2026-11-01T05:58Z", "2026-11-01T06:02Z");
        AssertEvenlySpaced(runs, TimeSpan.FromSeconds(30));
        Assert.Equal(8, runs.Count);
    }

    [Fact]
    public void NextAfter_FiresEveryDay_WhenDailyJobStraddlesTransitions()
    {
        // Midnight is never skipped or repeated in these zones: one run per calendar day, 23 or 25 h apart at DST.
        var runs = Runs("@daily", "Europe/Berlin", "2026-01-01T00:00Z", "2027-01-01T00:00Z");
        Assert.Equal(365, runs.Count);
        Assert.All(runs, r => Assert.Equal(TimeSpan.Zero, TimeZoneInfo.ConvertTime(r, Berlin).TimeOfDay));
    }

    [Fact]
    public void NextAfter_IsPlainWallClock_WhenZoneHasNoDst()
    {
        AssertRuns("30 2 * * *", "Asia/Shanghai", "2026-03-28T00:00Z", "2026-03-30T00:00Z", "2026-03-29T02:30+08:00", "2026-03-30T02:30+08:00");
    }

    [Fact]
    public void ToInstant_AgreesWithCron_ForTheSameWallClock()
    {
        // The one DST rule: cron fixed times and TimeZones.ToInstant map a wall clock the same way.
        foreach (var (zone, wall) in new[] { (Berlin, "2026-03-29 02:30"), (Berlin, "2026-10-25 02:30"), (NewYork, "2026-03-08 02:30"), (NewYork, "2026-11-01 01:30") })
        {
            var w = Wall(wall);
            var cron = new CronTrigger($"{w.Minute} {w.Hour} {w.Day} {w.Month} *", zone);
            Assert.Equal(TimeZones.ToInstant(w, zone), cron.NextAfter(TimeZones.ToInstant(w.AddDays(-1), zone)));
        }
    }
    [Theory]
    [InlineData("*/15 * * * *")]
    [InlineData("0 * * * *")]
    [InlineData("30 2 * * *")]
    [InlineData("30 1 * * *")]
    [InlineData("0,30 1,2 * * *")]
    [InlineData("*/20 1,2 * * *")]
    [InlineData("10 */7 * * * *")]
    public void NextAfter_GivesSameNext_FromEveryInstantBetweenOccurrences(string expression)
    {
        // Whatever instant the engine asks from (a restart mid-hour, a late tick), the answer is the next occurrence.
        foreach (var (zone, from) in new[] { (Berlin, "2026-03-28T22:00Z"), (Berlin, "2026-10-24T22:00Z"), (NewYork, "2026-03-08T03:00Z"), (NewYork, "2026-11-01T03:00Z") })
        {
            var trigger = new CronTrigger(expression, zone);
            var previous = I(from);
            var random = new Random(7);
            foreach (var occurrence in Trigger.Preview(trigger, previous, 40))
            {
                Assert.True(occurrence > previous);
                for (var i = 0; i < 5; i++)
                {
                    var probe = previous + ((occurrence - previous) * random.NextDouble());
                    Assert.Equal(occurrence, trigger.NextAfter(probe));
                }
                Assert.Equal(occurrence, trigger.NextAfter(occurrence.AddSeconds(-1) > previous ? occurrence.AddSeconds(-1) : previous));
                previous = occurrence;
            }
        }
    }
}
