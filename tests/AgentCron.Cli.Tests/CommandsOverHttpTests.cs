using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests;

/// <summary>Whole commands run in-process against a real HTTP listener that answers like the daemon.</summary>
public sealed class CommandsOverHttpTests
{
    [Fact]
    public async Task TaskCreate_PostsMappedInputWithToken_AndEchoesSchedule()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Task(), 201));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "create", "--at", "+20m", "--prompt", "Check the deploy", "--retries", "1", "--name", "Check deploy");

        Assert.Equal(0, exitCode);
        Assert.Equal("Created task check-deploy (t_01jd3x5q2v7k9m4p8r): fires once at 2026-11-22 09:00:00 +01:00 (in 20 min)\n", cli.Out.ToString());
        var request = Assert.Single(daemon.Requests);
        Assert.Equal(("POST", "/api/tasks", "Bearer test-token"), (request.Method, request.PathAndQuery, request.Authorization));
        using var body = JsonDocument.Parse(request.Body);
        using var expected = JsonDocument.Parse("""{"name":"Check deploy","instructions":"Check the deploy","trigger":{"at":"+20m"},"policies":{"retries":1}}""");
        Assert.True(JsonElement.DeepEquals(expected.RootElement, body.RootElement), request.Body);
    }

    [Fact]
    public async Task TaskCreate_ExitsUsageNamingField_WhenDaemonRejectsInput()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Problem(400, "trigger.cron: expected 5 fields, got 4", "trigger.cron"));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "create", "--cron", "* * * *", "--prompt", "x");

        Assert.Equal(2, exitCode);
        Assert.Equal("agentcron: trigger.cron: expected 5 fields, got 4\n", cli.Error.ToString());
        Assert.Equal("", cli.Out.ToString());
    }

    [Fact]
    public async Task TaskShow_SaysTaskDoesNotExist_WhenNotFound()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Problem(404, "no such task"));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "show", "nope");

        Assert.Equal(1, exitCode);
        Assert.Equal("agentcron: task 'nope' does not exist\n", cli.Error.ToString());
        Assert.Equal("/api/tasks/nope", Assert.Single(daemon.Requests).PathAndQuery);
    }

    [Fact]
    public async Task TaskList_HintsAtToken_WhenUnauthorized()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Problem(401, "send a token"));
        var cli = new CliRun(daemon.Url, token: null);

        var exitCode = await cli.RunAsync("task", "list");

        Assert.Equal(1, exitCode);
        Assert.Contains("unauthorized (401)", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("AGENTCRON_TOKEN", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Null(Assert.Single(daemon.Requests).Authorization);
    }

    [Fact]
    public async Task TaskList_SaysHowToStartDaemon_WhenNothingListens()
    {
        var port = LoopbackPort.Free();
        var cli = new CliRun($"http://127.0.0.1:{port}");

        var exitCode = await cli.RunAsync("task", "list");

        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"agentcron: cannot reach the daemon at http://127.0.0.1:{port} (connection refused). Start it with 'agentcron serve' (or ./agentcron.sh serve), or set AGENTCRON_URL.\n",
            cli.Error.ToString());
    }

    [Fact]
    public async Task TaskList_FollowsCursor_WhenAll()
    {
        await using var daemon = new FakeDaemon(r => r.PathAndQuery.Contains("cursor=c2", StringComparison.Ordinal)
            ? Reply.Json(Views.Page("", Views.Task(slug: "second", id: "t_2")))
            : Reply.Json(Views.Page("c2", Views.Task())));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "list", "--all", "--status", "active", "--json");

        Assert.Equal(0, exitCode);
        Assert.Equal(["/api/tasks?status=active", "/api/tasks?status=active&cursor=c2"], daemon.Requests.Select(r => r.PathAndQuery));
        using var printed = JsonDocument.Parse(cli.Out.ToString());
        Assert.Equal(["check-deploy", "second"], printed.RootElement.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("slug").GetString()));
    }

    [Fact]
    public async Task TaskShow_PrintsOnlyIndentedApiJson_WhenJson()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Task()));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "show", "check-deploy", "--json");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("{\n  \"id\": \"t_01jd3x5q2v7k9m4p8r\",\n", cli.Out.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal("check-deploy", JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("slug").GetString());
    }

    [Fact]
    public async Task TaskDelete_ReadsTheTaskThenDeletesItById_AndNamesBoth()
    {
        await using var daemon = new FakeDaemon(r => r.Method == "DELETE" ? new Reply(204, "") : Reply.Json(Views.Task()));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "delete", "check-deploy");

        Assert.Equal(0, exitCode);
        Assert.Equal("Deleted task check-deploy (t_01jd3x5q2v7k9m4p8r).\n", cli.Out.ToString());
        Assert.Equal([("GET", "/api/tasks/check-deploy"), ("DELETE", "/api/tasks/t_01jd3x5q2v7k9m4p8r")], daemon.Requests.Select(r => (r.Method, r.PathAndQuery)));
    }

    [Fact]
    public async Task TaskDeleteJson_EchoesTheRealIdAndTheSlug_WhenGivenTheSlug()
    {
        await using var daemon = new FakeDaemon(r => r.Method == "DELETE" ? new Reply(204, "") : Reply.Json(Views.Task()));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "delete", "check-deploy", "--json");

        Assert.Equal(0, exitCode);
        using var printed = JsonDocument.Parse(cli.Out.ToString());
        using var expected = JsonDocument.Parse("""{"id":"t_01jd3x5q2v7k9m4p8r","slug":"check-deploy","deleted":true}""");
        Assert.True(JsonElement.DeepEquals(expected.RootElement, printed.RootElement), cli.Out.ToString());
    }

    [Fact]
    public async Task TaskCreate_PrintsTheRunIdToFollow_WhenRunNow()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Task(more: "\"runId\": \"r_01jd3x5q2v7k9m4p99\","), 201));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "create", "--prompt", "x", "--run-now");

        Assert.Equal(0, exitCode);
        Assert.EndsWith("\nStarted run r_01jd3x5q2v7k9m4p99; follow it with 'agentcron runs log r_01jd3x5q2v7k9m4p99 --follow'.\n", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskCancel_ExitsErrorSayingItHasEnded_WhenTaskHasFinished()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Problem(409, "task 'check-deploy' has already ended (succeeded) and has no queued or running run; nothing to cancel"));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "cancel", "check-deploy");

        Assert.Equal(1, exitCode);
        Assert.Equal("agentcron: task 'check-deploy' has already ended (succeeded) and has no queued or running run; nothing to cancel\n", cli.Error.ToString());
        Assert.Equal("", cli.Out.ToString());
    }

    [Fact]
    public async Task TaskCreate_SaysTheWindowOccurrenceIsDueNow_WhenCreatedWhileTheWindowIsOpen()
    {
        // 09:30 in Berlin, inside today's 09:00-11:00 window, on the daemon's clock and the CLI's.
        var now = T.I("2026-11-22T08:30:00Z");
        using var home = new TempDirectory();
        await using var daemon = await TestDaemon.StartAsync(home.Path, new FakeTimeProvider(now));
        var cli = new CliRun(daemon.App.Address.ToString().TrimEnd('/'), daemon.App.Token) { Time = new FixedTime(now, T.Berlin) };

        var exitCode = await cli.RunAsync("task", "create", "--window", "09:00-11:00", "--tz", "Europe/Berlin", "--prompt", "x", "--command", "true");

        Assert.True(exitCode == 0, cli.Error.ToString());
        Assert.EndsWith("): once a day between 09:00 and 11:00 (Europe/Berlin); next run now (due since 2026-11-22 09:00:00 +01:00)\n", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskUpdate_ExitsUsage_WhenNothingToChange()
    {
        var cli = new CliRun($"http://127.0.0.1:{LoopbackPort.Free()}");

        Assert.Equal(2, await cli.RunAsync("task", "update", "check-deploy"));
        Assert.StartsWith("agentcron: nothing to change", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsLog_PrintsStdoutAndTaggedEvents_AcrossPages()
    {
        await using var daemon = new FakeDaemon(r => r.PathAndQuery.Contains("after=0", StringComparison.Ordinal)
            ? Reply.Json("""
                {"items":[
                  {"seq":1,"at":"2026-11-22T07:30:01Z","attempt":1,"type":"attempt.started","data":{"agent":"command"}},
                  {"seq":2,"at":"2026-11-22T07:30:02Z","attempt":1,"type":"stdout","data":{"text":"hello"}},
                  {"seq":3,"at":"2026-11-22T07:30:02Z","attempt":1,"type":"stderr","data":{"text":"warn"}}
                ],"next":3,"finished":true}
                """)
            : Reply.Json("""{"items":[],"next":3,"finished":true}"""));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("runs", "log", "r_1");

        Assert.Equal(0, exitCode);
        Assert.Equal("[attempt.started] {\"agent\":\"command\"}\nhello\n", cli.Out.ToString());
        Assert.Equal("warn\n", cli.Error.ToString());
        Assert.Equal(["/api/runs/r_1/log?after=0&limit=500", "/api/runs/r_1/log?after=3&limit=500"], daemon.Requests.Select(r => r.PathAndQuery));
    }

    [Theory]
    [InlineData("succeeded", 0)]
    [InlineData("failed", 1)]
    public async Task RunsLogFollow_StreamsUntilEnd_AndExitsByRunStatus(string status, int expectedExit)
    {
        var run = JsonSerializer.Serialize(JsonDocument.Parse(Views.Run(status: status, error: status == "failed" ? "\"exit code 3\"" : "null")).RootElement);
        var stream = "id: 1\nevent: log\ndata: {\"seq\":1,\"at\":\"2026-11-22T07:30:02Z\",\"attempt\":1,\"type\":\"stdout\",\"data\":{\"text\":\"working\"}}\n\n"
            + ": keep-alive\n\n"
            + $"event: end\ndata: {run}\n\n";
        await using var daemon = new FakeDaemon(_ => new Reply(200, stream, "text/event-stream"));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("runs", "log", "r_1", "--follow");

        Assert.Equal(expectedExit, exitCode);
        Assert.Equal("working\n", cli.Out.ToString());
        Assert.StartsWith($"run r_01jd3x5q2v7k9m4p8s {status} in 2 min 5 s", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal("/api/runs/r_1/log/stream?after=0", Assert.Single(daemon.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Preview_RunsWithoutDaemon_AndPrintsJson()
    {
        var cli = new CliRun($"http://127.0.0.1:{LoopbackPort.Free()}");

        var exitCode = await cli.RunAsync("preview", "--cron", "0 9 * * *", "--tz", "Europe/Berlin", "--count", "2", "--json");

        Assert.Equal(0, exitCode);
        using var printed = JsonDocument.Parse(cli.Out.ToString());
        Assert.Equal("cron", printed.RootElement.GetProperty("trigger").GetProperty("kind").GetString());
        Assert.Equal(
            ["2026-11-22T09:00:00+01:00", "2026-11-23T09:00:00+01:00"],
            printed.RootElement.GetProperty("occurrences").EnumerateArray().Select(o => o.GetString()));
    }

    [Theory]
    [InlineData("task", "create", "--in", "5m", "--every", "5m", "--prompt", "x")]
    [InlineData("task", "create", "--in", "5m")]
    [InlineData("task", "create", "--prompt", "x", "--retries", "many")]
    [InlineData("task", "create", "--prompt", "x", "--overlap", "sometimes")]
    [InlineData("task", "bogus")]
    [InlineData("preview")]
    [InlineData("preview", "--cron", "61 * * * *")]
    [InlineData("preview", "--every", "15m", "--tz", "Mars/Olympus")]
    public async Task Run_ExitsUsage_WhenArgumentsWrong(params string[] args)
    {
        var cli = new CliRun($"http://127.0.0.1:{LoopbackPort.Free()}");

        Assert.Equal(2, await cli.RunAsync(args));
        Assert.StartsWith("agentcron: ", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", cli.Out.ToString());
    }
}
