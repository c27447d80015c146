using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>
/// The capability at the heart of the product: a real Claude Code run whose model decides to schedule its own
/// follow-up with `agentcron task create --in 2s --here …` through its shell tool. The follow-up is created with the
/// run's token, fires, resumes the same Claude session, and both answers are posted into the same Slack thread (a local
/// server that speaks Slack's Web API).
/// </summary>
[Collection(EndToEndCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AgentFollowUpTests : IAsyncLifetime, IDisposable
{
    private const string Thread = "slack:C024BE91L:1700000000.000100";
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _tools = new(); // Claude's home and the agentcron command: outside the data directory, which runs cannot see
    private readonly FakePlatforms _slack = new();
    private FakeModelServer _model = null!;

    public async Task InitializeAsync() => _model = await FakeModelServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _model.DisposeAsync();
        await _slack.DisposeAsync();
    }

    public void Dispose()
    {
        _home.Dispose();
        _tools.Dispose();
    }

    [Fact]
    public Task Agent_SchedulesItsOwnFollowUpThroughItsShell_AndTheFollowUpResumesItsSession() => ScheduleFollowUpAsync(
        new FakeReply.ToolUse("Bash", new { command = "agentcron task create --in 2s --here --name recheck --prompt 'Check the deploy of api-7 again.'" }),
        ["--permissions", "full"],
        "Created task recheck");

    [Fact]
    public Task Agent_SchedulesItsOwnFollowUpThroughMcp_AndTheFollowUpResumesItsSession() => ScheduleFollowUpAsync(
        new FakeReply.ToolUse("mcp__agentcron__schedule_follow_up", new { prompt = "Check the deploy of api-7 again.", @in = "2s", name = "recheck" }),
        [],
        "Scheduled task recheck");

    /// <summary>A Claude run whose model schedules a follow-up with <paramref name="toolCall"/>; the follow-up must fire and resume the session.</summary>
    private async Task ScheduleFollowUpAsync(FakeReply toolCall, string[] posture, string toolOutput)
    {

        // `agentcron` on the agent's PATH: the CLI next to these tests, as an installed daemon would provide it.
        var bin = Directory.CreateDirectory(_tools.File("bin")).FullName;
        _tools.Script("bin/agentcron", $"#!/bin/sh\nexec dotnet {AgentCronProcess.Dll} \"$@\"\n");
        File.WriteAllText(_home.File("config.yaml"), _model.ClaudeConfig(_tools.Path) + $"""

            Channels:
              slack:
                Token: env:AGENTCRON_TEST_SLACK_TOKEN
                ApiBase: {_slack.Slack}
            """);
        _model.Reply(
            toolCall,
            new FakeReply.Text("The deploy is still rolling out; I scheduled a follow-up in 2 seconds."),
            new FakeReply.Text("The deploy of api-7 is green now."));
        await using var daemon = await DaemonProcess.StartAsync(_home.Path, new Dictionary<string, string>
        {
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["AGENTCRON_TEST_SLACK_TOKEN"] = "xoxb-follow-up",
        });

        var created = await daemon.CliAsync([
            "task", "create", "--agent", "claude", .. posture, "--thread", Thread,
            "--name", "deploy-watch", "--prompt", "Check the deploy of api-7; if it is not done, check again later.", "--run-now", "--json"]);
        Assert.True(created.ExitCode == 0, created.ToString());
        var first = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("id").GetString()!;

        // The follow-up exists (created by the first run's agent), then fires and finishes.
        var followUp = await Eventually.GetAsync(async () =>
        {
            var list = await daemon.CliAsync("task", "list", "--json");
            var tasks = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("items").EnumerateArray();
            var recheck = tasks.FirstOrDefault(t => t.GetProperty("slug").GetString() == "recheck");
            return recheck.ValueKind == JsonValueKind.Object && recheck.GetProperty("status").GetString() == "succeeded" ? (object)recheck.Clone() : null;
        }, TimeSpan.FromSeconds(90), "the agent's follow-up to be created and to succeed") is JsonElement element ? element : default;

        var firstRuns = await RunsAsync(daemon, first);
        var followUpRuns = await RunsAsync(daemon, followUp.GetProperty("id").GetString()!);
        var firstRun = Assert.Single(firstRuns);
        var followUpRun = Assert.Single(followUpRuns);
        Assert.Equal(firstRun.GetProperty("id").GetString(), followUp.GetProperty("createdByRun").GetString());
        Assert.Equal(Thread, followUp.GetProperty("thread").GetString());
        Assert.Equal("claudecode", followUp.GetProperty("agent").GetProperty("provider").GetString());
        Assert.Equal("The deploy of api-7 is green now.", followUpRun.GetProperty("output").GetString());
        Assert.Equal(firstRun.GetProperty("sessionId").GetString(), followUpRun.GetProperty("sessionId").GetString());

        // Both answers are in the thread, the first run's and then its follow-up's.
        var posts = await Eventually.GetAsync(() => Task.FromResult(_slack.SlackPosts is { Count: 2 } two ? two : null), TimeSpan.FromSeconds(60), "both answers posted to Slack");
        Assert.All(posts, p => Assert.Equal(("C024BE91L", "1700000000.000100"), (p.Channel, p.Thread)));
        Assert.Contains("I scheduled a follow-up in 2 seconds.", posts[0].Text, StringComparison.Ordinal);
        Assert.Contains("The deploy of api-7 is green now.", posts[1].Text, StringComparison.Ordinal);

        // An agent that may run commands was told how to schedule follow-ups, with its thread filled in.
        if (posture.Contains("full"))
        {
            var system = JsonSerializer.Serialize(_model.Requests[0].Body.GetProperty("system"));
            Assert.Contains("agentcron task create --in 30m --here", system, StringComparison.Ordinal);
            Assert.Contains(Thread, system, StringComparison.Ordinal);
        }

        // The follow-up's request to the model carries the whole earlier conversation, tool call and result included.
        var resumed = JsonSerializer.Serialize(_model.Requests[^1].Body.GetProperty("messages"));
        Assert.Contains("Check the deploy of api-7; if it is not done", resumed, StringComparison.Ordinal);
        Assert.Contains(toolOutput, resumed, StringComparison.Ordinal);
        Assert.Contains("I scheduled a follow-up in 2 seconds.", resumed, StringComparison.Ordinal);
        Assert.Contains("Check the deploy of api-7 again.", resumed, StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> RunsAsync(DaemonProcess daemon, string taskId)
    {
        var list = await daemon.CliAsync("runs", "list", "--task", taskId, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        return [.. JsonDocument.Parse(list.Stdout).RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone())];
    }
}
