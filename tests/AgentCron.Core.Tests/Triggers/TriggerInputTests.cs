using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Triggers;

public class TriggerInputTests
{
    private static readonly DateTimeOffset Now = I("2026-11-20T10:00:00Z");

    private static Trigger? Resolve(TriggerInput input) => input.Resolve(Now, Berlin);

    private static InvalidFieldException Fails(TriggerInput input) =>
        Assert.Throws<InvalidFieldException>(() => input.Resolve(Now, Berlin));

    [Fact]
    public void Resolve_ReturnsNull_WhenNoTriggerIsGiven()
    {
        Assert.Null(Resolve(new TriggerInput()));
        Assert.Null(Resolve(new TriggerInput(Cron: "  ")));
    }

    [Fact]
    public void Resolve_ThrowsOnTrigger_WhenTwoKindsAreGiven()
    {
        var error = Fails(new TriggerInput(Every: "15m", Cron: "* * * * *"));
        Assert.Equal("trigger", error.Field);
        Assert.StartsWith("give exactly one of at, in, every, cron, window", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ReturnsAt_WhenAtHasOffset()
    {
        var trigger = Assert.IsType<AtTrigger>(Resolve(new TriggerInput(At: "2026-11-22T09:00:00+01:00")));
        Assert.Equal(I("2026-11-22T08:00Z"), trigger.Instant);
    }

    [Fact]
    public void Resolve_ReadsAtInTz_WhenAtHasNoOffset()
    {
        var shanghai = Assert.IsType<AtTrigger>(Resolve(new TriggerInput(At: "2026-11-22 09:00", Tz: "Asia/Shanghai")));
        Assert.Equal(I("2026-11-22T01:00Z"), shanghai.Instant);
        var fallback = Assert.IsType<AtTrigger>(Resolve(new TriggerInput(At: "2026-11-22 09:00")));
        Assert.Equal(I("2026-11-22T08:00Z"), fallback.Instant); // default zone Berlin
    }

    [Fact]
    public void Resolve_ReturnsRelativeAt_WhenAtIsRelativeOrInIsGiven()
    {
        Assert.Equal(Now.AddMinutes(20), Assert.IsType<AtTrigger>(Resolve(new TriggerInput(At: "+20m"))).Instant);
        Assert.Equal(Now.AddHours(2), Assert.IsType<AtTrigger>(Resolve(new TriggerInput(In: "2h"))).Instant);
        Assert.Equal(Now, Assert.IsType<AtTrigger>(Resolve(new TriggerInput(At: "now"))).Instant);
    }

    [Fact]
    public void Resolve_AcceptsAt_WhenWithinAMinuteInThePast()
    {
        Assert.Equal(Now.AddSeconds(-59), Assert.IsType<AtTrigger>(Resolve(new TriggerInput(At: "2026-11-20T09:59:01Z"))).Instant);
    }

    [Fact]
    public void Resolve_ThrowsOnAt_WhenAtIsInThePast()
    {
        var error = Fails(new TriggerInput(At: "2026-11-20T09:58:59Z"));
        Assert.Equal("at", error.Field);
        Assert.Contains("is in the past", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ReturnsEveryAnchoredNow()
    {
        var every = Assert.IsType<EveryTrigger>(Resolve(new TriggerInput(Every: "15m")));
        Assert.Equal(Now, every.Anchor);
        Assert.Equal(TimeSpan.FromMinutes(15), every.Interval);
        Assert.Equal(Now.AddMinutes(15), every.First(Now));
    }

    [Fact]
    public void Resolve_ReturnsCronInTzOrDefault()
    {
        Assert.Equal("Asia/Shanghai", Resolve(new TriggerInput(Cron: "30 8 * * 1-5", Tz: "Asia/Shanghai"))!.TimeZoneId);
        Assert.Equal("Europe/Berlin", Resolve(new TriggerInput(Cron: "30 8 * * 1-5"))!.TimeZoneId);
    }

    [Fact]
    public void Resolve_ReturnsWindowInTz()
    {
        var window = Assert.IsType<WindowTrigger>(Resolve(new TriggerInput(Window: "09:00-11:00", Tz: "Asia/Shanghai")));
        Assert.Equal("once a day between 09:00 and 11:00 (Asia/Shanghai)", window.Describe());
    }

    [Theory]
    [InlineData(null, null, "15m", null, "Europe/Berlin")]
    [InlineData(null, "2h", null, null, "Europe/Berlin")]
    [InlineData("2026-11-22T09:00:00+01:00", null, null, null, "Europe/Berlin")]
    [InlineData("+20m", null, null, null, "Europe/Berlin")]
    [InlineData(null, null, null, null, "Europe/Berlin")]
    [InlineData(null, null, null, "* * * * *", "Nowhere/Else")]
    public void Resolve_ThrowsOnTz_WhenTzDoesNotApplyOrIsUnknown(string? at, string? @in, string? every, string? cron, string tz)
    {
        var error = Fails(new TriggerInput(At: at, In: @in, Every: every, Cron: cron, Tz: tz));
        Assert.Equal("tz", error.Field);
    }

    [Theory]
    [InlineData("garbage", null, null, null, null, "at")]
    [InlineData(null, "-5m", null, null, null, "in")]
    [InlineData(null, null, "0s", null, null, "every")]
    [InlineData(null, null, "500ms", null, null, "every")]
    [InlineData(null, null, null, "* * * *", null, "cron")]
    [InlineData(null, null, null, null, "25:00-26:00", "window")]
    public void Resolve_ThrowsOnKindField_WhenValueIsInvalid(string? at, string? @in, string? every, string? cron, string? window, string field)
    {
        var error = Fails(new TriggerInput(at, @in, every, cron, window));
        Assert.Equal(field, error.Field);
    }
}
