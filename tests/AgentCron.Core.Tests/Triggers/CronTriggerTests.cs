using System.Diagnostics;
using AgentCron.Core.Time;
using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Triggers;

public class CronTriggerTests
{
    private static CronTrigger Cron(string expression, string zone = "UTC") => new(expression, Zone(zone));

    private static List<DateTimeOffset> Next(string expression, string from, int count, string zone = "UTC") =>
        Trigger.Preview(Cron(expression, zone), I(from), count).ToList();

    private static void AssertRuns(string expression, string from, string zone, params string[] expected) =>
        Assert.Equal(expected.Select(I).ToList(), Next(expression, from, expected.Length, zone));

    [Fact]
    public void NextAfter_IsStrictlyAfter_WhenGivenAnOccurrence()
    {
        Assert.Equal(I("2026-01-01T00:15Z"), Cron("*/15 * * * *").NextAfter(I("2026-01-01T00:00Z")));
        Assert.Equal(I("2026-01-01T00:15Z"), Cron("*/15 * * * *").NextAfter(I("2026-01-01T00:14:59.999Z")));
    }

    [Fact]
    public void NextAfter_FiresOnEither13thOrFriday_WhenBothDayFieldsAreRestricted()
    {
        // January 2026: Fridays 2, 9, 16, 23, 30; the 13th is a Tuesday.
        AssertRuns("0 0 13 * 5", "2026-01-01T00:00Z", "UTC",
            "2026-01-02T00:00Z", "2026-01-09T00:00Z", "2026-01-13T00:00Z", "2026-01-16T00:00Z",
            "2026-01-23T00:00Z", "2026-01-30T00:00Z", "2026-02-06T00:00Z", "2026-02-13T00:00Z");
    }

    [Fact]
    public void NextAfter_FiresOnFirstOfMarch_WhenDayOfMonthOrDayOfWeekMatches()
    {
        // Regression guard for croner's February overflow bug: 2026-03-01 is a Sunday but day-of-month 1 matches.
        AssertRuns("0 0 1-7 * 1", "2026-02-24T00:00Z", "UTC", "2026-03-01T00:00Z", "2026-03-02T00:00Z", "2026-03-03T00:00Z");
    }

    [Fact]
    public void NextAfter_UsesOnlyDayOfWeek_WhenDayOfMonthIsStar()
    {
        AssertRuns("0 9 * * 1", "2026-01-01T00:00Z", "UTC", "2026-01-05T09:00Z", "2026-01-12T09:00Z");
    }

    [Fact]
    public void NextAfter_UsesOnlyDayOfMonth_WhenDayOfWeekIsStar()
    {
        AssertRuns("0 9 13 * *", "2026-01-01T00:00Z", "UTC", "2026-01-13T09:00Z", "2026-02-13T09:00Z");
    }

    [Fact]
    public void NextAfter_AndsDayFields_WhenOneStartsWithStar()
    {
        // Vixie cron: "*/2" counts as unrestricted, so odd days that are also Mondays.
        AssertRuns("0 0 */2 * 1", "2026-01-01T00:00Z", "UTC", "2026-01-05T00:00Z", "2026-01-19T00:00Z", "2026-02-09T00:00Z");
    }

    [Theory]
    [InlineData("0 22 * * 0")]
    [InlineData("0 22 * * 7")]
    [InlineData("0 22 * * SUN")]
    [InlineData("0 22 * * sun")]
    public void NextAfter_TreatsZeroSevenAndSunAsSunday(string expression)
    {
        AssertRuns(expression, "2026-01-01T00:00Z", "UTC", "2026-01-04T22:00Z", "2026-01-11T22:00Z");
    }

    [Fact]
    public void NextAfter_EndsWeekOnSunday_WhenRangeEndsAtSevenOrSun()
    {
        var a = Next("0 0 * * 5-7", "2026-01-01T00:00Z", 6);
        var b = Next("0 0 * * FRI-SUN", "2026-01-01T00:00Z", 6);
        Assert.Equal(a, b);
        Assert.Equal(
            ["2026-01-02", "2026-01-03", "2026-01-04", "2026-01-09", "2026-01-10", "2026-01-11"],
            a.Select(o => o.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void NextAfter_ReadsMonthAndDayNames_CaseInsensitively()
    {
        Assert.Equal(Next("0 9 * 1-3,10 1-5", "2026-01-01T00:00Z", 40), Next("0 9 * jan-MAR,Oct Mon-fri", "2026-01-01T00:00Z", 40));
        Assert.Equal(Next("0 9 * * 1,3,5", "2026-01-01T00:00Z", 10), Next("0 9 * * MON,WED,FRI", "2026-01-01T00:00Z", 10));
    }

    [Theory]
    [InlineData("@yearly", "0 0 1 1 *")]
    [InlineData("@annually", "0 0 1 1 *")]
    [InlineData("@monthly", "0 0 1 * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@midnight", "0 0 * * *")]
    [InlineData("@hourly", "0 * * * *")]
    [InlineData("@DAILY", "0 0 * * *")]
    public void NextAfter_MatchesExpansion_WhenMacroIsUsed(string macro, string expansion)
    {
        Assert.Equal(Next(expansion, "2026-01-01T00:00Z", 5, "Europe/Berlin"), Next(macro, "2026-01-01T00:00Z", 5, "Europe/Berlin"));
        Assert.Equal(macro, Cron(macro).Expression);
    }

    [Fact]
    public void NextAfter_FiresOnSeconds_WhenSixFieldsAreGiven()
    {
        AssertRuns("*/20 * * * * *", "2026-01-01T00:00:05Z", "UTC", "2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z");
        AssertRuns("30 0 9 * * *", "2026-01-01T00:00Z", "UTC", "2026-01-01T09:00:30Z", "2026-01-02T09:00:30Z");
    }

    [Fact]
    public void NextAfter_AppliesSteps_OnStarsAndRanges()
    {
        AssertRuns("1-30/10 * * * *", "2026-01-01T00:00Z", "UTC", "2026-01-01T00:01Z", "2026-01-01T00:11Z", "2026-01-01T00:21Z", "2026-01-01T01:01Z");
        AssertRuns("0 */8 * * *", "2026-01-01T00:00Z", "UTC", "2026-01-01T08:00Z", "2026-01-01T16:00Z", "2026-01-02T00:00Z");
        AssertRuns("0 0 * */5 *", "2026-01-31T00:00Z", "UTC", "2026-06-01T00:00Z", "2026-06-02T00:00Z");
    }

    [Fact]
    public void NextAfter_EvaluatesWallClockInZone()
    {
        AssertRuns("30 8 * * 1-5", "2026-01-01T00:00Z", "Europe/Berlin", "2026-01-01T07:30Z", "2026-01-02T07:30Z", "2026-01-05T07:30Z");
        AssertRuns("30 8 * * 1-5", "2026-07-01T00:00Z", "Europe/Berlin", "2026-07-01T06:30Z");
        AssertRuns("0 9 * * *", "2026-01-01T00:00Z", "Asia/Shanghai", "2026-01-01T01:00Z");
    }

    // An answer takes milliseconds; a search that walked minute by minute towards year 10000 takes billions of steps.
    // The limit is far above the first, so a busy machine does not fail it, and still catches the second.
    private static readonly TimeSpan GenerousLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public void NextAfter_AnswersQuickly_WhenExpressionIsRare()
    {
        var leap = Cron("0 0 29 2 *", "Europe/Berlin");
        var clock = Stopwatch.StartNew();
        var runs = Trigger.Preview(leap, I("2026-01-01T00:00Z"), 30);
        clock.Stop();
        Assert.Equal(I("2028-02-29T00:00+01:00"), runs[0]);
        Assert.Equal(I("2096-02-29T00:00+01:00"), runs[17]);
        Assert.Equal(I("2104-02-29T00:00+01:00"), runs[18]); // 2100 is not a leap year
        Assert.True(clock.Elapsed < GenerousLimit, $"took {clock.Elapsed}");
    }

    [Fact]
    public void NextAfter_ReturnsNull_WhenExpressionNeverMatches()
    {
        var never = Cron("0 0 30 2 *");
        var clock = Stopwatch.StartNew();
        Assert.Null(never.NextAfter(I("2026-01-01T00:00Z")));
        Assert.True(clock.Elapsed < GenerousLimit, $"took {clock.Elapsed}");
        Assert.Empty(Trigger.Preview(never, I("2026-01-01T00:00Z"), 5));
    }

    [Fact]
    public void NextAfter_ReturnsNull_WhenNoOccurrenceFitsBeforeYear10000()
    {
        Assert.Null(Cron("0 0 * * *", "America/New_York").NextAfter(I("9999-12-31T12:00Z")));
    }

    [Fact]
    public void NextAfter_FindsOneOccurrencePerRealMinute_AcrossSpringForward()
    {
        // No gaps, no duplicates in real time: 01:59 CET is followed by 03:00 CEST, one real minute later.
        var runs = Trigger.Preview(Cron("* * * * *", "Europe/Berlin"), I("2026-03-29T00:00Z"), 1000);
        for (var i = 1; i < runs.Count; i++)
            Assert.Equal(TimeSpan.FromMinutes(1), runs[i] - runs[i - 1]);
    }

    [Theory]
    [InlineData("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field; got 4")]
    [InlineData("* * * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field; got 7")]
    [InlineData("", "is empty")]
    [InlineData("@reboot", "@reboot is not supported")]
    [InlineData("@fortnightly", "unknown macro")]
    [InlineData("@daily 5", "stands alone")]
    [InlineData("0 0 L * *", "'L' (last day) is not supported")]
    [InlineData("0 0 15W * *", "'W' (nearest weekday) is not supported")]
    [InlineData("0 0 LW * *", "'L' (last day) is not supported")]
    [InlineData("0 0 * * 5L", "'L' (last day) is not supported")]
    [InlineData("0 0 * * 1#2", "'#' (nth weekday of the month) is not supported")]
    [InlineData("0 0 ? * 1", "'?' (no specific value) is not supported")]
    [InlineData("60 * * * *", "out of range; allowed 0-59")]
    [InlineData("0 24 * * *", "out of range; allowed 0-23")]
    [InlineData("0 0 0 * *", "out of range; allowed 1-31")]
    [InlineData("0 0 32 * *", "out of range; allowed 1-31")]
    [InlineData("0 0 * 13 *", "out of range; allowed 1-12")]
    [InlineData("0 0 * * 8", "out of range; allowed 0-7")]
    [InlineData("0 0 * FOO *", "cannot read 'FOO' in the month field")]
    [InlineData("0 0 * * MONDAY", "cannot read 'MONDAY' in the day-of-week field")]
    [InlineData("0 0 * JAN-MON *", "cannot read")]
    [InlineData("*/0 * * * *", "step")]
    [InlineData("*/61 * * * *", "step")]
    [InlineData("5/15 * * * *", "write 5-59/15 or */15")]
    [InlineData("0 22-2 * * *", "reversed range")]
    [InlineData("1,,2 * * * *", "empty list item")]
    [InlineData("a b c d e", "cannot read")]
    [InlineData("-1 * * * *", "cannot read")]
    [InlineData("61 0 0 * * *", "seconds field")]
    public void Constructor_ThrowsInvalidFieldOnCron_WhenExpressionIsInvalid(string expression, string reasonPart)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Cron(expression));
        Assert.Equal("cron", error.Field);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Expression_IsTrimmedAndSingleSpaced()
    {
        var trigger = Cron("  30\t8  *  * \t1-5 ", "Europe/Berlin");
        Assert.Equal("30 8 * * 1-5", trigger.Expression);
        Assert.Equal("Europe/Berlin", trigger.TimeZoneId);
        Assert.Equal(TriggerKind.Cron, trigger.Kind);
        Assert.Null(trigger.Anchor);
        Assert.Equal(Cron("30 8 * * 1-5", "Europe/Berlin"), trigger);
    }

    [Theory]
    [InlineData("*/15 * * * *", "UTC", "every 15 minutes")]
    [InlineData("* * * * *", "UTC", "every minute")]
    [InlineData("*/10 * * * * *", "UTC", "every 10 seconds")]
    [InlineData("5 * * * *", "UTC", "every hour at :05 (UTC)")]
    [InlineData("0 */6 * * *", "UTC", "every 6 hours at :00 (UTC)")]
    [InlineData("30 8 * * 1-5", "Europe/Berlin", "at 08:30 on weekdays (Europe/Berlin)")]
    [InlineData("0 10 * * SAT,SUN", "UTC", "at 10:00 on weekends (UTC)")]
    [InlineData("0 9 * * 1", "UTC", "at 09:00 on Mondays (UTC)")]
    [InlineData("0 9 * * 0,1,3", "UTC", "at 09:00 on Monday, Wednesday and Sunday (UTC)")]
    [InlineData("0 9 * * *", "UTC", "daily at 09:00 (UTC)")]
    [InlineData("0 9,17 * * *", "UTC", "daily at 09:00 and 17:00 (UTC)")]
    [InlineData("@daily", "Asia/Shanghai", "daily at 00:00 (Asia/Shanghai)")]
    [InlineData("0 6 1 * *", "UTC", "at 06:00 on day 1 of every month (UTC)")]
    [InlineData("@yearly", "UTC", "at 00:00 on 1 January every year (UTC)")]
    [InlineData("0 0 13 * 5", "UTC", "cron \"0 0 13 * 5\" (UTC)")]
    [InlineData("1-30/5 2 * * *", "UTC", "cron \"1-30/5 2 * * *\" (UTC)")]
    public void Describe_ReturnsWords_ForCommonShapes(string expression, string zone, string expected)
    {
        Assert.Equal(expected, Cron(expression, zone).Describe());
    }
}
