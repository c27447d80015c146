using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Triggers;

public class EveryAndAtTriggerTests
{
    private static readonly DateTimeOffset Anchor = I("2026-03-28T23:10:00+01:00");

    [Fact]
    public void NextAfter_ReturnsAnchorPlusInterval_WhenAskedAtAnchor()
    {
        var every = new EveryTrigger(TimeSpan.FromMinutes(15), Anchor);
        Assert.Equal(Anchor.AddMinutes(15), every.NextAfter(Anchor));
        Assert.Equal(Anchor.AddMinutes(15), every.First(Anchor));
        Assert.Equal(Anchor.AddMinutes(15), every.NextAfter(Anchor.AddDays(-3)));
    }

    [Fact]
    public void NextAfter_StaysOnAnchorGrid_WhenAskedBetweenOrOnOccurrences()
    {
        var every = new EveryTrigger(TimeSpan.FromMinutes(15), Anchor);
        Assert.Equal(Anchor.AddMinutes(30), every.NextAfter(Anchor.AddMinutes(15)));
        Assert.Equal(Anchor.AddMinutes(30), every.NextAfter(Anchor.AddMinutes(29)));
        // A year later the grid has not drifted, and computing it takes no loop over the year.
        Assert.Equal(Anchor.AddMinutes(15 * 35041), every.NextAfter(Anchor.AddDays(365).AddSeconds(1)));
    }

    [Fact]
    public void NextAfter_CountsRealTime_AcrossDstChange()
    {
        // 6 hours of elapsed time, whatever the Berlin wall clock does at 02:00 on 2026-03-29.
        var every = new EveryTrigger(TimeSpan.FromHours(6), Anchor);
        Assert.Equal(TimeSpan.FromHours(6), every.NextAfter(Anchor)!.Value - Anchor);
        Assert.Equal(TimeSpan.FromHours(12), every.NextAfter(Anchor.AddHours(6))!.Value - Anchor);
    }

    [Fact]
    public void NextAfter_ReturnsNull_WhenBeyondRepresentableTime()
    {
        var every = new EveryTrigger(TimeSpan.FromDays(36500), I("9950-01-01T00:00Z"));
        Assert.Null(every.NextAfter(I("9950-01-02T00:00Z")));
    }

    [Fact]
    public void Constructor_ThrowsInvalidFieldOnEvery_WhenIntervalIsBelowOneSecond()
    {
        var error = Assert.Throws<InvalidFieldException>(() => new EveryTrigger(TimeSpan.FromMilliseconds(500), Anchor));
        Assert.Equal("every", error.Field);
        Assert.Contains("minimum interval of 1s", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PersistedFields_DescribeTheInterval()
    {
        var every = new EveryTrigger(TimeSpan.FromMinutes(90), Anchor);
        Assert.Equal(TriggerKind.Every, every.Kind);
        Assert.Equal("1h30m", every.Expression);
        Assert.Equal(Anchor, every.Anchor);
        Assert.Null(every.TimeZoneId);
        Assert.Null(every.DeadlineFor(Anchor));
        Assert.Equal("every 90 minutes", every.Describe());
        Assert.Equal("every 15 minutes", new EveryTrigger(TimeSpan.FromMinutes(15), Anchor).Describe());
        Assert.Equal("every hour", new EveryTrigger(TimeSpan.FromHours(1), Anchor).Describe());
        Assert.Equal("every 2 weeks", new EveryTrigger(TimeSpan.FromDays(14), Anchor).Describe());
        Assert.Equal("every 1 s 500 ms", new EveryTrigger(TimeSpan.FromMilliseconds(1500), Anchor).Describe());
    }

    [Fact]
    public void At_FiresOnce_AtItsInstant()
    {
        var at = new AtTrigger(I("2026-11-22T09:00:00+01:00"));
        Assert.Equal(I("2026-11-22T08:00Z"), at.NextAfter(I("2026-11-22T07:59Z")));
        Assert.Null(at.NextAfter(I("2026-11-22T08:00Z")));
        Assert.Equal([I("2026-11-22T08:00Z")], Trigger.Preview(at, I("2026-01-01T00:00Z"), 10));
    }

    [Fact]
    public void At_FirstReturnsInstant_EvenWhenSlightlyPast()
    {
        var at = new AtTrigger(I("2026-11-22T09:00:00+01:00"));
        Assert.Equal(at.Instant, at.First(I("2026-11-22T08:00:30Z")));
    }

    [Fact]
    public void At_PersistsRoundTripInstantWithItsOffset()
    {
        var at = new AtTrigger(I("2026-11-22T09:00:00+01:00"));
        Assert.Equal(TriggerKind.At, at.Kind);
        Assert.Equal("2026-11-22T09:00:00.0000000+01:00", at.Expression);
        Assert.Null(at.TimeZoneId);
        Assert.Null(at.Anchor);
        Assert.Equal("once at 2026-11-22 09:00 +01:00", at.Describe());
        Assert.NotEqual(new AtTrigger(I("2026-11-22T08:00:00Z")), at); // same instant, different display offset
    }
}
