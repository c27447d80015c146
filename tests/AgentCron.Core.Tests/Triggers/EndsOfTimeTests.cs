using AgentCron.Core.Time;
using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Triggers;

/// <summary>
/// Every trigger kind asked about the first and last days a <see cref="DateTimeOffset"/> can hold, in the zones with the
/// largest offsets either way: an answer or "none left", never an overflow (which the API turned into a 500).
/// </summary>
public class EndsOfTimeTests
{
    private static readonly string[] Zones = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"];

    private static readonly DateTimeOffset[] Edges =
    [
        DateTimeOffset.MinValue,
        I("0001-01-01T12:00:00Z"),
        I("0001-01-02T00:00:00Z"),
        I("9999-12-29T00:00:00Z"),
        I("9999-12-30T00:00:00Z"),
        I("9999-12-31T12:00:00Z"),
        DateTimeOffset.MaxValue,
    ];

    public static TheoryData<string, string> Triggers()
    {
        var data = new TheoryData<string, string>();
        foreach (var zone in Zones)
        {
            data.Add("cron", zone);
            data.Add("window", zone);
            data.Add("window-midnight", zone);
        }

        data.Add("every", "UTC");
        data.Add("at", "UTC");
        return data;
    }

    [Theory]
    [MemberData(nameof(Triggers))]
    public void NextAfterFirstAndDeadline_AnswerOrGiveNone_AtTheEndsOfTime(string kind, string zoneId)
    {
        var zone = Zone(zoneId);
        foreach (var anchor in Edges)
        {
            var trigger = Make(kind, zone, anchor);
            foreach (var edge in Edges)
            {
                var next = trigger.NextAfter(edge);
                Assert.True(next is null || next > edge, $"{kind} {zoneId} after {edge:O}: {next:O}");
                if (next is { } occurrence)
                {
                    var deadline = trigger.DeadlineFor(occurrence);
                    Assert.True(deadline is null || deadline > occurrence);
                }

                _ = trigger.First(edge);
                _ = Trigger.Preview(trigger, edge, 3);
            }
        }
    }

    [Theory]
    [InlineData("9999-12-31 23:00", "Etc/GMT+12")]
    [InlineData("9999-12-31 12:00:01", "Etc/GMT+12")]
    [InlineData("0001-01-01 01:00", "Pacific/Kiritimati")]
    [InlineData("0001-01-01", "Pacific/Kiritimati")]
    public void Parse_ThrowsInvalidField_WhenAWallClockTimeHasNoInstant(string text, string zoneId)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Instants.Parse(text, I("2026-01-01T00:00:00Z"), Zone(zoneId), "at"));

        Assert.Equal("at", error.Field);
        Assert.Contains("outside", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ThrowsInvalidField_WhenARelativeTimeRunsPastTheEndOfTime()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Instants.Parse("+36500d", I("9999-12-30T00:00:00Z"), TimeZoneInfo.Utc, "from"));

        Assert.Equal("from", error.Field);
    }

    private static Trigger Make(string kind, TimeZoneInfo zone, DateTimeOffset anchor) => kind switch
    {
        "cron" => new CronTrigger("30 23 * * *", zone),
        "window" => new WindowTrigger("09:00-10:00", zone),
        "window-midnight" => new WindowTrigger("23:30-00:30", zone),
        "every" => new EveryTrigger(TimeSpan.FromHours(7), anchor),
        _ => new AtTrigger(anchor),
    };
}
