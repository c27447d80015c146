using System.Net;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;

namespace AgentCron.Server.Tests;

public class ValidationTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private ApiClient Api => fixture.Api;

    /// <summary>A create body that is wrong in exactly one place, and the field the 400 must name.</summary>
    public static TheoryData<string, string> InvalidCreateBodies => new()
    {
        { """{"instructions":"x","agent":{"command":"echo"},"trigger":{"cron":"not a cron"}}""", "trigger.cron" },
        { """{"instructions":"x","agent":{"command":"echo"},"trigger":{"cron":"61 * * * *"}}""", "trigger.cron" },
        { """{"instructions":"x","agent":{"command":"echo"},"trigger":{"cron":"0 9 * * *","every":"1h"}}""", "trigger" },
        { """{"instructions":"x","agent":{"command":"echo"},"trigger":{"cron":"0 9 * * *","tz":"Mars/Olympus_Mons"}}""", "trigger.tz" },
        { """{"instructions":"x","agent":{"command":"echo"},"trigger":{"every":"soon"}}""", "trigger.every" },
        { """{"instructions":"x","agent":{"command":"echo"},"trigger":{"window":"25:00-26:00"}}""", "trigger.window" },
        { """{"instructions":"x","agent":{"command":"echo"},"trigger":{"at":"2020-01-01T00:00:00Z"}}""", "trigger.at" },
        { """{"instructions":"x","agent":{"command":"echo"},"policies":{"timeout":"abc"}}""", "policies.timeout" },
        { """{"instructions":"x","agent":{"command":"echo"},"policies":{"timeout":"60d"}}""", "policies.timeout" },
        { """{"instructions":"x","agent":{"command":"echo"},"policies":{"overlap":"sometimes"}}""", "policies.overlap" },
        { """{"instructions":"x","agent":{"provider":"claude","permissions":"everything"}}""", "agent.permissions" },
        { """{"instructions":"x","agent":{"command":"echo","permissions":"full"}}""", "agent.permissions" },
        { """{"instructions":"x","agent":{"provider":"claude","command":"echo"}}""", "agent.command" },
        { """{"instructions":"x","agent":{"command":"echo"},"policies":{"retries":-1}}""", "policies.retries" },
        { """{"instructions":"x","agent":{"command":"echo"},"foo":1}""", "foo" },
        { """{"instructions":"x","agent":{"command":"echo","shell":true}}""", "agent.shell" },
        { """{"instructions":5,"agent":{"command":"echo"}}""", "instructions" },
        { """{"instructions":"x","agent":{"command":"echo"}""", "body" },
        { "not json at all", "body" },
        { "", "body" },
        { "null", "body" },
        { """{"agent":{"command":"echo"}}""", "instructions" },
        { """{"instructions":"   ","agent":{"command":"echo"}}""", "instructions" },
        { """{"instructions":"x","agent":{"provider":"nope","command":"echo"}}""", "agent.provider" },
        { """{"instructions":"x"}""", "agent.command" },
        { """{"instructions":"x","agent":{"command":"echo 'unclosed"}}""", "agent.command" },
        { """{"instructions":"x","agent":{"command":"echo"},"slug":"Not A Slug!"}""", "slug" },
        { """{"instructions":"x","agent":{"command":"echo"},"thread":"no-colon"}""", "thread" },
        { """{"instructions":"x","agent":{"command":"echo"},"thread":"slack:C1:17\u0001x"}""", "thread" },
        { """{"instructions":"x","agent":{"command":"echo"},"deliver":["slack:C1\nx"]}""", "deliver" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreateBodies))]
    public async Task CreateTask_Returns400NamingField_WhenBodyIsInvalid(string body, string field)
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/tasks", body);
        await ApiClient.AssertInvalidAsync(response, field);
    }

    [Fact]
    public async Task CreateTask_ListsValidProviders_WhenProviderIsUnknown()
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/tasks", """{"instructions":"x","agent":{"provider":"nope","command":"echo"}}""");

        var problem = await ApiClient.AssertInvalidAsync(response, "agent.provider");
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("nope", detail, StringComparison.Ordinal);
        Assert.Contains("valid providers: claudecode, codex, command, gemini, kilo, openai, opencode, qwen", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTask_NamesUnknownMember_InDetail()
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/tasks", """{"instructions":"x","agent":{"command":"echo"},"foo":1}""");

        var problem = await ApiClient.AssertInvalidAsync(response, "foo");
        Assert.Contains("not a known member", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateTask_Returns400NamingField_WhenPatchIsInvalid()
    {
        var task = await Api.CreateCommandTaskAsync("echo");

        using (var response = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", """{"policies":{"overlap":"sometimes"}}"""))
        {
            await ApiClient.AssertInvalidAsync(response, "policies.overlap");
        }

        using (var response = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", """{"bar":true}"""))
        {
            await ApiClient.AssertInvalidAsync(response, "bar");
        }

        using (var response = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", """{"name":"y"}""", ifMatch: "\"banana\""))
        {
            await ApiClient.AssertInvalidAsync(response, "If-Match");
        }

        var unchanged = await Api.GetTaskAsync(task.Id);
        Assert.Equal(task.Version, unchanged.Version);
        Assert.Equal("skip", unchanged.Policies.Overlap);
    }

    [Theory]
    [InlineData("/api/tasks?limit=0", "limit")]
    [InlineData("/api/tasks?limit=501", "limit")]
    [InlineData("/api/tasks?status=sleeping", "status")]
    [InlineData("/api/runs?limit=0", "limit")]
    [InlineData("/api/runs?status=sleeping", "status")]
    [InlineData("/api/preview?cron=0%209%20*%20*%20*&count=0", "count")]
    [InlineData("/api/preview?cron=0%209%20*%20*%20*&count=1001", "count")]
    [InlineData("/api/preview?cron=0%209%20*%20*%20*&tz=Nowhere/City", "tz")]
    [InlineData("/api/preview?cron=bad", "cron")]
    [InlineData("/api/preview", "trigger")]
    [InlineData("/api/preview?cron=0%209%20*%20*%20*&from=yesterday-ish", "from")]
    [InlineData("/api/preview?in=1h&tz=Europe/Berlin", "tz")]
    [InlineData("/api/preview?every=1h&cron=0%209%20*%20*%20*", "trigger")]
    public async Task Query_Returns400NamingParameter_WhenInvalid(string path, string field)
    {
        using var response = await Api.SendAsync(HttpMethod.Get, path);
        await ApiClient.AssertInvalidAsync(response, field);
    }

    [Theory]
    [InlineData("/api/tasks?limit=abc")]
    [InlineData("/api/runs?limit=1.5")]
    [InlineData("/api/preview?every=1h&count=many")]
    public async Task Query_Returns400_WhenParameterIsNotANumber(string path)
    {
        using var response = await Api.SendAsync(HttpMethod.Get, path);

        await ApiClient.AssertStatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Preview_ReturnsCountOccurrences_ForCronInTimeZone()
    {
        // Weekdays at 08:30 in Berlin, across the spring-forward of 29 March 2026 (UTC+1 → UTC+2).
        var preview = await Api.ExpectAsync<PreviewView>(
            HttpMethod.Get,
            "/api/preview?cron=30%208%20*%20*%201-5&tz=Europe/Berlin&from=2026-03-27T00:00:00Z&count=4",
            HttpStatusCode.OK);

        Assert.Equal("cron", preview.Trigger.Kind);
        Assert.Equal("Europe/Berlin", preview.Trigger.Tz);
        Assert.Equal(
            [
                DateTimeOffset.Parse("2026-03-27T07:30:00Z", System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.Parse("2026-03-30T06:30:00Z", System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.Parse("2026-03-31T06:30:00Z", System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.Parse("2026-04-01T06:30:00Z", System.Globalization.CultureInfo.InvariantCulture),
            ],
            preview.Occurrences.Select(o => o.ToUniversalTime()));
    }

    [Fact]
    public async Task Preview_ReturnsTenOccurrences_WhenCountIsOmitted()
    {
        var preview = await Api.ExpectAsync<PreviewView>(HttpMethod.Get, "/api/preview?every=15m", HttpStatusCode.OK);

        Assert.Equal(10, preview.Occurrences.Count);
        Assert.All(preview.Occurrences.Zip(preview.Occurrences.Skip(1)), p => Assert.Equal(TimeSpan.FromMinutes(15), p.Second - p.First));
    }
}
