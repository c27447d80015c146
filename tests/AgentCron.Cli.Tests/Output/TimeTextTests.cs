using AgentCron.Cli.Output;

namespace AgentCron.Cli.Tests.Output;

public sealed class TimeTextTests
{
    private static readonly TimeText Time = new(T.I("2026-11-22T07:40:00Z"), T.Berlin);

    [Theory]
    [InlineData("2026-11-22T07:43:00Z", "in 3 min")]
    [InlineData("2026-11-22T07:59:59.9Z", "in 20 min")]
    [InlineData("2026-11-22T07:35:00Z", "5 min ago")]
    [InlineData("2026-11-22T07:40:45Z", "in 45 s")]
    [InlineData("2026-11-22T07:40:00.2Z", "now")]
    [InlineData("2026-11-22T09:10:00Z", "in 1 h 30 min")]
    [InlineData("2026-11-24T09:40:20Z", "in 2 d 2 h")]
    public void Relative_ReadsNaturally(string instant, string expected)
    {
        Assert.Equal(expected, Time.Relative(T.I(instant)));
    }

    [Fact]
    public void Full_ShowsWallClockWithOffset_InZone()
    {
        Assert.Equal("2026-11-22 09:00:00 +01:00", Time.Full(T.I("2026-11-22T08:00:00Z")));
    }

    [Fact]
    public void When_ShowsRelativeThenShortInstant()
    {
        Assert.Equal("in 3 min (2026-11-22 08:43 +01:00)", Time.When(T.I("2026-11-22T07:43:00Z")));
        Assert.Equal("-", Time.When(null));
    }

    [Fact]
    public void At_ShowsFullInstantThenRelative()
    {
        Assert.Equal("2026-11-22 09:00:00 +01:00 (in 20 min)", Time.At(T.I("2026-11-22T08:00:00Z")));
    }

    [Fact]
    public void Full_FollowsDaylightSaving_InSummer()
    {
        Assert.Equal("2026-07-01 14:00:00 +02:00", Time.Full(T.I("2026-07-01T12:00:00Z")));
    }

    [Theory]
    [InlineData(125_000.0, "2 min 5 s")]
    [InlineData(250.0, "250 ms")]
    [InlineData(1_499.6, "1 s")]
    [InlineData(3_723_000.0, "1 h 2 min")]
    [InlineData(null, "-")]
    public void Duration_IsHuman(double? milliseconds, string expected)
    {
        Assert.Equal(expected, TimeText.Duration(milliseconds));
    }

    [Theory]
    [InlineData("30m", "30 min")]
    [InlineData("1h30m", "1 h 30 min")]
    [InlineData("0s", "0s")]
    [InlineData(null, "-")]
    public void Policy_HumanizesCompactDurations(string? compact, string expected)
    {
        Assert.Equal(expected, TimeText.Policy(compact));
    }
}
