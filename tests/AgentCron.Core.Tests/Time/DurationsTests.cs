using AgentCron.Core.Time;

namespace AgentCron.Core.Tests.Time;

public class DurationsTests
{
    [Theory]
    [InlineData("90s", 0, 0, 1, 30)]
    [InlineData("15m", 0, 0, 15, 0)]
    [InlineData("2h", 0, 2, 0, 0)]
    [InlineData("1d", 1, 0, 0, 0)]
    [InlineData("1w", 7, 0, 0, 0)]
    [InlineData("1h30m", 0, 1, 30, 0)]
    [InlineData("1d2h", 1, 2, 0, 0)]
    [InlineData("1h 30m", 0, 1, 30, 0)]
    [InlineData(" 2H ", 0, 2, 0, 0)]
    [InlineData("PT15M", 0, 0, 15, 0)]
    [InlineData("P1D", 1, 0, 0, 0)]
    [InlineData("P1W", 7, 0, 0, 0)]
    [InlineData("P1DT2H30M", 1, 2, 30, 0)]
    [InlineData("pt45s", 0, 0, 0, 45)]
    public void Parse_ReturnsDuration_WhenFormIsAccepted(string text, int days, int hours, int minutes, int seconds)
    {
        Assert.Equal(new TimeSpan(days, hours, minutes, seconds), Durations.Parse(text, "every"));
    }

    [Fact]
    public void Parse_ReadsMilliseconds_WhenGivenCompactOrIsoFraction()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(250), Durations.Parse("250ms", "timeout"));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Durations.Parse("PT1.5S", "timeout"));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Durations.Parse("1s500ms", "timeout"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-5m")]
    [InlineData("0s")]
    [InlineData("0h0m")]
    [InlineData("PT0S")]
    [InlineData("15")]
    [InlineData("abc")]
    [InlineData("15 minutes")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("1.5h")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1DT")]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("PT0.0001S")]
    [InlineData("99999999999999999999d")]
    [InlineData("36501d")]
    public void Parse_ThrowsInvalidField_WhenTextIsNotAPositiveDuration(string text)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Durations.Parse(text, "every"));
        Assert.Equal("every", error.Field);
    }

    [Fact]
    public void Parse_ExplainsAllowedForms_WhenUnitIsMissing()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Durations.Parse("15", "in"));
        Assert.Contains("no unit", error.Reason, StringComparison.Ordinal);
        Assert.Contains("15m", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExplainsDays_WhenIsoHasMonths()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Durations.Parse("P1M", "every"));
        Assert.Contains("no fixed length", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1, 30, 0, 0, "1h30m")]
    [InlineData(0, 0, 0, 45, 0, "45s")]
    [InlineData(2, 0, 0, 0, 0, "2d")]
    [InlineData(0, 0, 0, 0, 250, "250ms")]
    [InlineData(1, 2, 3, 4, 5, "1d2h3m4s5ms")]
    [InlineData(14, 0, 0, 0, 0, "14d")]
    public void Format_ReturnsCompactForm(int days, int hours, int minutes, int seconds, int ms, string expected)
    {
        Assert.Equal(expected, Durations.Format(new TimeSpan(days, hours, minutes, seconds, ms)));
    }

    [Fact]
    public void Format_RoundTripsThroughParse_ForWholeMilliseconds()
    {
        var random = new Random(42);
        for (var i = 0; i < 2000; i++)
        {
            var value = TimeSpan.FromMilliseconds(random.NextInt64(1, (long)Durations.Max.TotalMilliseconds));
            Assert.Equal(value, Durations.Parse(Durations.Format(value), "x"));
        }
        Assert.Equal(Durations.Max, Durations.Parse(Durations.Format(Durations.Max), "x"));
    }

    [Theory]
    [InlineData(0, 0, 3, 0, "3 min")]
    [InlineData(0, 2, 5, 0, "2 h 5 min")]
    [InlineData(0, 0, 0, 45, "45 s")]
    [InlineData(1, 2, 0, 0, "1 d 2 h")]
    [InlineData(1, 2, 30, 10, "1 d 2 h")]
    [InlineData(0, 1, 0, 30, "1 h")]
    [InlineData(0, 0, 0, 0, "0 s")]
    public void Humanize_ReturnsTwoLargestUnits(int days, int hours, int minutes, int seconds, string expected)
    {
        Assert.Equal(expected, Durations.Humanize(new TimeSpan(days, hours, minutes, seconds)));
    }

    [Fact]
    public void Humanize_ShowsMilliseconds_WhenBelowOneSecond()
    {
        Assert.Equal("250 ms", Durations.Humanize(TimeSpan.FromMilliseconds(250)));
    }
}
