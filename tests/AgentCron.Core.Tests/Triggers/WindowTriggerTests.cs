using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Triggers;

public class WindowTriggerTests
{
    [Fact]
    public void NextAfter_ReturnsStartOfEachDay_InZone()
    {
        var window = new WindowTrigger("09:00-11:00", Shanghai);
        Assert.Equal(
            [I("2026-05-01T09:00+08:00"), I("2026-05-02T09:00+08:00"), I("2026-05-03T09:00+08:00")],
            Trigger.Preview(window, I("2026-04-30T12:00+08:00"), 3));
    }

    [Fact]
    public void NextAfter_ReturnsTomorrow_WhenTodaysStartHasPassed()
    {
        var window = new WindowTrigger("09:00-11:00", Shanghai);
        Assert.Equal(I("2026-05-02T09:00+08:00"), window.NextAfter(I("2026-05-01T09:00+08:00")));
        Assert.Equal(I("2026-05-01T09:00+08:00"), window.NextAfter(I("2026-05-01T08:59:59+08:00")));
    }

    [Fact]
    public void DeadlineFor_ReturnsSameDayEnd_WhenWindowIsWithinADay()
    {
        var window = new WindowTrigger("09:00-11:00", Shanghai);
        Assert.Equal(I("2026-05-01T11:00+08:00"), window.DeadlineFor(I("2026-05-01T09:00+08:00")));
    }

    [Fact]
    public void DeadlineFor_ReturnsNextDayEnd_WhenWindowCrossesMidnight()
    {
        var window = new WindowTrigger("22:00-02:00", Berlin);
        Assert.True(window.CrossesMidnight);
        var occurrence = window.NextAfter(I("2026-06-10T12:00+02:00"));
        Assert.Equal(I("2026-06-10T22:00+02:00"), occurrence);
        Assert.Equal(I("2026-06-11T02:00+02:00"), window.DeadlineFor(occurrence!.Value));
    }

    [Fact]
    public void NextAfter_ReturnsTonight_WhenAskedAfterMidnightInsidePreviousWindow()
    {
        var window = new WindowTrigger("22:00-02:00", Berlin);
        Assert.Equal(I("2026-06-11T22:00+02:00"), window.NextAfter(I("2026-06-11T01:00+02:00")));
    }

    [Fact]
    public void First_ReturnsOpenWindowStart_WhenNowIsInsideWindow()
    {
        var window = new WindowTrigger("22:00-02:00", Berlin);
        Assert.Equal(I("2026-06-10T22:00+02:00"), window.First(I("2026-06-11T01:00+02:00")));
        Assert.Equal(I("2026-06-10T22:00+02:00"), window.First(I("2026-06-10T23:00+02:00")));
        Assert.Equal(I("2026-06-11T22:00+02:00"), window.First(I("2026-06-11T02:00+02:00")));
        var day = new WindowTrigger("09:00-11:00", Shanghai);
        Assert.Equal(I("2026-05-01T09:00+08:00"), day.First(I("2026-05-01T10:59+08:00")));
        Assert.Equal(I("2026-05-02T09:00+08:00"), day.First(I("2026-05-01T11:00+08:00")));
    }

    [Fact]
    public void NextAfter_FiresOncePerDay_AcrossBothDstTransitions()
    {
        var window = new WindowTrigger("01:30-03:30", NewYork);
        var runs = Trigger.Preview(window, I("2026-01-01T00:00Z"), 365);
        Assert.Equal(365, runs.Count);
        Assert.Equal(365, runs.Select(r => TimeZoneInfo.ConvertTime(r, NewYork).Date).Distinct().Count());
        // Fall back: 01:30 is repeated on 2026-11-01 and fires once, at the first (EDT) instant.
        Assert.Contains(I("2026-11-01T01:30-04:00"), runs);
        Assert.DoesNotContain(I("2026-11-01T01:30-05:00"), runs);
    }

    [Fact]
    public void NextAfter_StartsAtTransition_WhenStartIsInSpringGap()
    {
        var window = new WindowTrigger("02:30-04:00", Berlin);
        var occurrence = window.NextAfter(I("2026-03-28T12:00Z"));
        Assert.Equal(I("2026-03-29T03:00+02:00"), occurrence);
        Assert.Equal(I("2026-03-29T04:00+02:00"), window.DeadlineFor(occurrence!.Value));
    }

    [Fact]
    public void DeadlineFor_IsOneHourShorter_WhenWindowSpansSpringForward()
    {
        var window = new WindowTrigger("22:00-06:00", Berlin);
        var occurrence = window.NextAfter(I("2026-03-28T12:00Z"))!.Value;
        Assert.Equal(I("2026-03-28T22:00+01:00"), occurrence);
        Assert.Equal(TimeSpan.FromHours(7), window.DeadlineFor(occurrence) - occurrence);
    }

    [Fact]
    public void Constructor_AcceptsMidnightEnd_As2400()
    {
        var window = new WindowTrigger("20:00-24:00", Berlin);
        Assert.Equal("20:00-00:00", window.Expression);
        Assert.Equal(I("2026-06-11T00:00+02:00"), window.DeadlineFor(I("2026-06-10T20:00+02:00")));
    }

    [Theory]
    [InlineData("25:00-26:00", "invalid time of day")]
    [InlineData("09:00", "cannot read")]
    [InlineData("09:00-09:00", "same time")]
    [InlineData("9-11", "cannot read")]
    [InlineData("09:60-11:00", "invalid time of day")]
    [InlineData("24:00-02:00", "invalid time of day")]
    [InlineData("", "cannot read")]
    public void Constructor_ThrowsInvalidFieldOnWindow_WhenTextIsInvalid(string text, string reasonPart)
    {
        var error = Assert.Throws<InvalidFieldException>(() => new WindowTrigger(text, Berlin));
        Assert.Equal("window", error.Field);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
        Assert.Contains("HH:MM-HH:MM", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PersistedFields_DescribeTheWindow()
    {
        var window = new WindowTrigger(" 9:00 - 11:00 ", Shanghai);
        Assert.Equal(TriggerKind.Window, window.Kind);
        Assert.Equal("09:00-11:00", window.Expression);
        Assert.Equal("Asia/Shanghai", window.TimeZoneId);
        Assert.Equal("once a day between 09:00 and 11:00 (Asia/Shanghai)", window.Describe());
    }
}
