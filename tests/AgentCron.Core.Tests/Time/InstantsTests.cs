using AgentCron.Core.Time;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Time;

public class InstantsTests
{
    private static readonly DateTimeOffset Now = I("2026-11-20T10:00:00Z");

    [Theory]
    [InlineData("now", "2026-11-20T10:00:00Z")]
    [InlineData("NOW", "2026-11-20T10:00:00Z")]
    [InlineData("+20m", "2026-11-20T10:20:00Z")]
    [InlineData("+2h", "2026-11-20T12:00:00Z")]
    [InlineData("+1d2h", "2026-11-21T12:00:00Z")]
    [InlineData("2026-11-22T09:00:00+01:00", "2026-11-22T08:00:00Z")]
    [InlineData("2026-11-22T08:00Z", "2026-11-22T08:00:00Z")]
    [InlineData("2026-11-22T08:00:30.5Z", "2026-11-22T08:00:30.5Z")]
    [InlineData("2026-11-22 09:00 -05:00", "2026-11-22T14:00:00Z")]
    [InlineData("2026-11-22T09:00+0100", "2026-11-22T08:00:00Z")]
    public void Parse_ReturnsInstant_WhenFormIsAbsoluteOrRelative(string text, string expected)
    {
        Assert.Equal(I(expected), Instants.Parse(text, Now, Berlin, "at"));
    }

    [Theory]
    [InlineData("2026-11-22T09:00", "2026-11-22T08:00:00Z")]
    [InlineData("2026-11-22 09:00", "2026-11-22T08:00:00Z")]
    [InlineData("2026-07-22 09:00:30", "2026-07-22T07:00:30Z")]
    [InlineData("2026-03-28", "2026-03-27T23:00:00Z")]
    [InlineData("2026-07-22", "2026-07-21T22:00:00Z")]
    public void Parse_ReadsWallClockInZone_WhenOffsetIsMissing(string text, string expected)
    {
        var instant = Instants.Parse(text, Now, Berlin, "at");
        Assert.Equal(I(expected), instant);
        Assert.Equal(Berlin.GetUtcOffset(instant), instant.Offset);
    }

    [Fact]
    public void Parse_ReturnsTransitionInstant_WhenWallClockIsInDstGap()
    {
        Assert.Equal(I("2026-03-29T03:00+02:00"), Instants.Parse("2026-03-29 02:30", Now, Berlin, "at"));
    }

    [Fact]
    public void Parse_ReturnsEarlierInstant_WhenWallClockIsRepeated()
    {
        Assert.Equal(I("2026-11-01T01:30-04:00"), Instants.Parse("2026-11-01T01:30", Now, NewYork, "at"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tomorrow")]
    [InlineData("2026-13-01T09:00Z")]
    [InlineData("2026-11-31 09:00")]
    [InlineData("2026-11-22T25:00")]
    [InlineData("22.11.2026 09:00")]
    [InlineData("2026-02-30")]
    [InlineData("+")]
    [InlineData("+0m")]
    [InlineData("-20m")]
    [InlineData("2026-11-22T09:00+25:00")]
    public void Parse_ThrowsInvalidField_WhenTextIsNotAnInstant(string text)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Instants.Parse(text, Now, Berlin, "at"));
        Assert.Equal("at", error.Field);
    }

    [Fact]
    public void Parse_NamesAcceptedForms_WhenTextIsGarbage()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Instants.Parse("next friday", Now, Berlin, "at"));
        Assert.Contains("+20m", error.Reason, StringComparison.Ordinal);
        Assert.Contains("2026-11-22T09:00:00+01:00", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_ShowsWallClockAndOffsetInZone()
    {
        Assert.Equal("2026-11-22 09:00:00 +01:00", Instants.Format(I("2026-11-22T08:00Z"), Berlin));
        Assert.Equal("2026-07-22 10:00:00 +02:00", Instants.Format(I("2026-07-22T08:00Z"), Berlin));
        Assert.Equal("2026-11-22 08:00:00 +00:00", Instants.Format(I("2026-11-22T08:00Z"), TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("2026-11-22 09:00", true)]
    [InlineData("2026-11-22T09:00:00", true)]
    [InlineData("2026-11-22T09:00Z", false)]
    [InlineData("+20m", false)]
    [InlineData("now", false)]
    public void IsWallClock_TellsWhetherTimeZoneApplies(string text, bool expected)
    {
        Assert.Equal(expected, Instants.IsWallClock(text));
    }
}
