using AgentCron.Cli.Commands;
using AgentCron.Core;
using AgentCron.Core.Triggers;

namespace AgentCron.Cli.Tests.Commands;

public sealed class PreviewCommandTests
{
    private static readonly DateTimeOffset Now = T.I("2026-11-22T07:40:00.5Z");

    [Fact]
    public void Compute_ListsCronOccurrencesInItsZone_WhenTzGiven()
    {
        var preview = PreviewCommand.Compute(new TriggerInput(Cron: "30 8 * * 1-5", Tz: "Europe/Berlin"), null, 3, Now, TimeZoneInfo.Utc);

        Assert.Equal("cron", preview.Trigger.Kind);
        Assert.Equal("Europe/Berlin", preview.Trigger.Tz);
        Assert.Equal(
            ["2026-11-23T08:30:00+01:00", "2026-11-24T08:30:00+01:00", "2026-11-25T08:30:00+01:00"],
            preview.Occurrences.Select(o => o.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Compute_UsesLocalZone_WhenNoTz()
    {
        var preview = PreviewCommand.Compute(new TriggerInput(Window: "09:00-11:00"), null, 1, Now, T.Berlin);

        Assert.Equal(T.I("2026-11-22T09:00:00+01:00"), Assert.Single(preview.Occurrences));
        Assert.Equal(TimeSpan.FromHours(1), preview.Occurrences[0].Offset);
    }

    [Fact]
    public void Compute_CountsEveryFromWholeSecond_WhenNoFrom()
    {
        var preview = PreviewCommand.Compute(new TriggerInput(Every: "15m"), null, 2, Now, TimeZoneInfo.Utc);

        Assert.Equal([T.I("2026-11-22T07:55:00Z"), T.I("2026-11-22T08:10:00Z")], preview.Occurrences);
    }

    [Fact]
    public void Compute_StartsAfterFrom_WhenFromGiven()
    {
        var preview = PreviewCommand.Compute(new TriggerInput(Cron: "0 12 * * *", Tz: "UTC"), "2026-12-01T00:00Z", 1, Now, TimeZoneInfo.Utc);

        Assert.Equal(T.I("2026-12-01T12:00:00Z"), Assert.Single(preview.Occurrences));
    }

    [Fact]
    public void Compute_NamesFlag_WhenCronInvalid()
    {
        var error = Assert.Throws<InvalidFieldException>(() =>
            PreviewCommand.Compute(new TriggerInput(Cron: "61 * * * *"), null, 3, Now, TimeZoneInfo.Utc));

        Assert.Equal("--cron", error.Field);
    }

    [Fact]
    public void Format_PrintsDescriptionThenOneInstantPerLine()
    {
        var preview = PreviewCommand.Compute(new TriggerInput(Cron: "0 9 * * *", Tz: "Europe/Berlin"), null, 2, Now, TimeZoneInfo.Utc);

        Assert.Equal(
            $"{preview.Trigger.Description}\n2026-11-22 09:00:00 +01:00  Sun\n2026-11-23 09:00:00 +01:00  Mon\n",
            PreviewCommand.Format(preview));
    }
}
