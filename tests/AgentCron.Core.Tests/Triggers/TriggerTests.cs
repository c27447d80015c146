using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Triggers;

public class TriggerTests
{
    public static TheoryData<Trigger> Triggers() =>
    [
        new AtTrigger(I("2026-11-22T09:00:00+01:00")),
        new AtTrigger(I("2026-11-22T09:00:00.123-05:00")),
        new EveryTrigger(TimeSpan.FromMinutes(90), I("2026-03-28T23:10:00+01:00")),
        new EveryTrigger(TimeSpan.FromMilliseconds(1500), I("2026-03-28T23:10:00Z")),
        new CronTrigger("30 8 * * 1-5", Berlin),
        new CronTrigger("@daily", TimeZoneInfo.Utc),
        new CronTrigger("0 */5 * * * *", NewYork),
        new WindowTrigger("22:00-02:00", Shanghai),
    ];

    [Theory]
    [MemberData(nameof(Triggers))]
    public void Create_RehydratesEqualTrigger_FromPersistedFields(Trigger trigger)
    {
        var copy = Trigger.Create(trigger.Kind, trigger.Expression, trigger.TimeZoneId, trigger.Anchor);
        Assert.Equal(trigger, copy);
        Assert.Equal(trigger.Expression, copy.Expression);
        Assert.Equal(trigger.TimeZoneId, copy.TimeZoneId);
        Assert.Equal(trigger.Anchor, copy.Anchor);
        var from = I("2026-03-01T00:00Z");
        Assert.Equal(Trigger.Preview(trigger, from, 20), Trigger.Preview(copy, from, 20));
    }

    [Fact]
    public void Create_UsesUtc_WhenCronHasNoTimeZone()
    {
        Assert.Equal("UTC", Trigger.Create(TriggerKind.Cron, "0 9 * * *", null, null).TimeZoneId);
    }

    [Theory]
    [InlineData(TriggerKind.At, "tomorrow", null, "at")]
    [InlineData(TriggerKind.At, "2026-11-22 09:00", null, "at")]
    [InlineData(TriggerKind.Every, "soon", null, "every")]
    [InlineData(TriggerKind.Every, "15m", null, "anchor")]
    [InlineData(TriggerKind.Cron, "* * *", "UTC", "cron")]
    [InlineData(TriggerKind.Cron, "* * * * *", "Nowhere/Special", "tz")]
    [InlineData(TriggerKind.Window, "09:00", "UTC", "window")]
    [InlineData((TriggerKind)42, "x", null, "kind")]
    public void Create_ThrowsInvalidField_WhenPersistedFieldsAreBad(TriggerKind kind, string expression, string? tz, string field)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Trigger.Create(kind, expression, tz, null));
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1000)]
    public void Preview_ReturnsCountOccurrencesStrictlyAfterFrom(int count)
    {
        var from = I("2026-01-01T00:00Z");
        var runs = Trigger.Preview(new CronTrigger("*/5 * * * *", TimeZoneInfo.Utc), from, count);
        Assert.Equal(count, runs.Count);
        Assert.Equal(from.AddMinutes(5), runs[0]);
        Assert.Equal(from.AddMinutes(5 * count), runs[^1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public void Preview_ThrowsInvalidFieldOnCount_WhenOutOfRange(int count)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Trigger.Preview(new CronTrigger("* * * * *", TimeZoneInfo.Utc), I("2026-01-01T00:00Z"), count));
        Assert.Equal("count", error.Field);
        Assert.Contains("between 1 and 1000", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Preview_StopsEarly_WhenTriggerRunsOut()
    {
        Assert.Single(Trigger.Preview(new AtTrigger(I("2026-11-22T08:00Z")), I("2026-01-01T00:00Z"), 5));
    }
}
