using System.Net;
using System.Text.Json;
using AgentCron.Core;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>
/// Time zones that name a zoneinfo directory and instants at the ends of time, in every place the API reads them: a 400
/// naming the field, or an answer — never a 500.
/// </summary>
public class TimeBoundaryTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    public static TheoryData<string> DirectoryZones => ["America", "Europe", "Etc", "posix", "America/Argentina"];

    private ApiClient Api => fixture.Api;

    [Theory]
    [MemberData(nameof(DirectoryZones))]
    public async Task Preview_Returns400NamingTz_WhenTzNamesAZoneinfoDirectory(string tz)
    {
        using var cron = await Api.SendAsync(HttpMethod.Get, $"/api/preview?cron=0%209%20*%20*%20*&tz={Uri.EscapeDataString(tz)}");
        using var at = await Api.SendAsync(HttpMethod.Get, $"/api/preview?at=2030-01-01%2009:00&tz={Uri.EscapeDataString(tz)}");

        await ApiClient.AssertInvalidAsync(cron, "tz");
        await ApiClient.AssertInvalidAsync(at, "tz");
    }

    [Theory]
    [MemberData(nameof(DirectoryZones))]
    public async Task CreateAndUpdate_Return400NamingTriggerTz_WhenTzNamesAZoneinfoDirectory(string tz)
    {
        var task = await Api.CreateCommandTaskAsync("true");

        using var created = await Api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "x", agent = new { command = "true" }, trigger = new { window = "09:00-10:00", tz } }));
        using var updated = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", ApiClient.Json(new { trigger = new { cron = "0 9 * * *", tz } }));

        await ApiClient.AssertInvalidAsync(created, "trigger.tz");
        await ApiClient.AssertInvalidAsync(updated, "trigger.tz");
    }

    [Theory]
    [MemberData(nameof(DirectoryZones))]
    public void Create_NamesTheSetting_WhenDefaultsTimeZoneNamesAZoneinfoDirectory(string tz)
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.yaml"), $"Defaults:\n  TimeZone: {tz}\n");

        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: home.Path, Urls: "http://127.0.0.1:0")));

        Assert.Contains(":2 (Defaults:TimeZone)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"unknown time zone '{tz}'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Every trigger kind, with the zones whose offsets reach furthest either way.</summary>
    public static TheoryData<string> Triggers => new()
    {
        "window=09:00-10:00",
        "window=23:30-00:30&tz=Pacific/Kiritimati",
        "window=09:00-10:00&tz=Etc/GMT%2B12",
        "cron=0%209%20*%20*%20*",
        "cron=30%2023%20*%20*%20*&tz=Pacific/Kiritimati",
        "cron=*/15%20*%20*%20*%20*&tz=Etc/GMT%2B12",
        "every=1h",
        "every=36500d",
        "at=9999-12-31T23:59:59Z",
        "at=%2B36500d",
        "in=36500d",
    };

    [Theory]
    [MemberData(nameof(Triggers))]
    public async Task Preview_AnswersOrNamesTheField_AtTheEndsOfTime(string trigger)
    {
        foreach (var from in new[] { "9999-12-30T00:00:00Z", "9999-12-31T23:59:59.9999999Z", "0001-01-01T00:00:00Z", "9999-12-31", "0001-01-01" })
        {
            using var response = await Api.SendAsync(HttpMethod.Get, $"/api/preview?{trigger}&from={Uri.EscapeDataString(from)}&count=1000");

            if (response.StatusCode != HttpStatusCode.OK)
            {
                var problem = await ApiClient.AssertInvalidAsync(response, "from");
                Assert.Contains("outside the range of time", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                continue;
            }

            var preview = await ApiClient.ReadAsync<PreviewView>(response);
            Assert.True(preview.Occurrences.SequenceEqual(preview.Occurrences.Order()), $"{trigger} from {from}");
        }
    }

    [Fact]
    public async Task Preview_ReturnsNoOccurrences_ForAWindowAfterTheLastDay()
    {
        var preview = await Api.ExpectAsync<PreviewView>(HttpMethod.Get, "/api/preview?window=09:00-10:00&from=9999-12-30T00:00:00Z", HttpStatusCode.OK);

        Assert.Empty(preview.Occurrences);
    }

    [Theory]
    [InlineData("/api/preview?at=9999-12-31%2023:00&tz=Etc/GMT%2B12", "at")]
    [InlineData("/api/preview?at=0001-01-01%2001:00&tz=Pacific/Kiritimati", "at")]
    [InlineData("/api/preview?cron=0%209%20*%20*%20*&tz=Etc/GMT%2B12&from=9999-12-31%2023:00", "from")]
    public async Task Preview_Returns400NamingTheField_WhenAWallClockTimeHasNoInstant(string path, string field)
    {
        using var response = await Api.SendAsync(HttpMethod.Get, path);

        await ApiClient.AssertInvalidAsync(response, field);
    }

    [Fact]
    public async Task CreateAndUpdate_AcceptTheLastInstantAndNameTheFieldBeyondIt()
    {
        var last = await Api.CreateTaskAsync(new { instructions = "x", agent = new { command = "true" }, trigger = new { at = "9999-12-31T23:59:59Z" } });
        using var beyond = await Api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "x", agent = new { command = "true" }, trigger = new { at = "9999-12-31 23:00", tz = "Etc/GMT+12" } }));
        using var updated = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{last.Id}", ApiClient.Json(new { trigger = new { at = "9999-12-31 23:00", tz = "Etc/GMT+12" } }));

        Assert.Equal(DateTimeOffset.Parse("9999-12-31T23:59:59Z", System.Globalization.CultureInfo.InvariantCulture), last.NextFireAt);
        await ApiClient.AssertInvalidAsync(beyond, "trigger.at");
        await ApiClient.AssertInvalidAsync(updated, "trigger.at");
        Assert.Equal(last.NextFireAt, (await Api.GetTaskAsync(last.Id)).NextFireAt);
    }
}

/// <summary>A daemon whose clock stands two days before the end of time: creating and changing every kind of task still answers.</summary>
public sealed class EndOfTimeDaemonTests
{
    [Fact]
    public async Task CreateAndUpdate_AnswerForEveryTriggerKind_WhenTheClockIsAtTheEndOfTime()
    {
        await using var daemon = await TestDaemon.StartAsync(time: new FakeTimeProvider(DateTimeOffset.Parse("9999-12-30T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);
        object[] triggers =
        [
            new { at = "+1h" },
            new { @in = "1h" },
            new { every = "1h" },
            new { every = "36500d" },
            new { cron = "0 9 * * *", tz = "Pacific/Kiritimati" },
            new { window = "09:00-10:00", tz = "Etc/GMT+12" },
            new { window = "23:30-00:30" },
        ];

        foreach (var trigger in triggers)
        {
            using var created = await api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "x", agent = new { command = "true" }, trigger }));
            await ApiClient.AssertStatusAsync(HttpStatusCode.Created, created);
            var task = await ApiClient.ReadAsync<TaskView>(created);
            Assert.True(task.NextFireAt is null || task.NextFireAt > DateTimeOffset.Parse("9999-12-30T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), JsonSerializer.Serialize(task));

            using var updated = await api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", ApiClient.Json(new { trigger }));
            await ApiClient.AssertStatusAsync(HttpStatusCode.OK, updated);
            using var paused = await api.SendAsync(HttpMethod.Post, $"/api/tasks/{task.Id}/pause");
            using var resumed = await api.SendAsync(HttpMethod.Post, $"/api/tasks/{task.Id}/resume");
            await ApiClient.AssertStatusAsync(HttpStatusCode.OK, resumed);
        }

        using var health = await api.SendAsync(HttpMethod.Get, "/api/health");
        await ApiClient.AssertStatusAsync(HttpStatusCode.OK, health);
    }
}
