using System.Net;
using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Server.Api;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>The daemon runs real agents (against the fake model server) for tasks anchored to a chat thread.</summary>
public sealed class ThreadSessionTests : IAsyncLifetime, IDisposable
{
    private const string Thread = "slack:C024BE91L:1700000000.000100";
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _claudeHome = new(); // outside the data directory, which runs cannot see
    private FakeModelServer _model = null!;

    public async Task InitializeAsync()
    {
        _model = await FakeModelServer.StartAsync();
        File.WriteAllText(_home.File("config.yaml"), $"""
            {_model.ClaudeConfig(_claudeHome.Path)}
              OpenAi:
                BaseUrl: {_model.BaseUrl}/v1
                Model: fake-gpt
            """);
    }

    public async Task DisposeAsync() => await _model.DisposeAsync();

    public void Dispose()
    {
        _home.Dispose();
        _claudeHome.Dispose();
    }

    [Fact]
    public async Task FollowUpOnTheSameThread_ResumesTheAgentsSession_WithTheEarlierContext()
    {
        _model.Reply(new FakeReply.Text("Noted: the canary is at 5%."), new FakeReply.Text("It was at 5%."));
        await using var daemon = await TestDaemon.StartAsync(_home.Path);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);

        var first = await RunToEndAsync(api, new { instructions = "Remember: the canary is at 5%.", agent = new { provider = "claude" }, thread = Thread, runNow = true });

        // The follow-up names no agent: it takes the provider that holds the thread's conversation, not the default.
        var followUp = await RunToEndAsync(api, new { instructions = "What was the canary at?", thread = Thread, runNow = true });

        Assert.Equal("It was at 5%.", followUp.Output);
        Assert.NotNull(first.SessionId);
        Assert.Equal(first.SessionId, followUp.SessionId);
        var messages = JsonSerializer.Serialize(_model.Requests[^1].Body.GetProperty("messages"));
        Assert.Contains("Remember: the canary is at 5%.", messages, StringComparison.Ordinal);
        Assert.Contains("Noted: the canary is at 5%.", messages, StringComparison.Ordinal);
        var log = await api.LogAsync(followUp.Id);
        var resumed = Assert.Single(log.Items, e => e.Type == "session.resumed");
        Assert.Equal(first.SessionId, resumed.Data.GetProperty("sessionId").GetString());
        Assert.Equal((21L, 7L), (followUp.InputTokens, followUp.OutputTokens));
    }

    [Fact]
    public async Task ThreadSession_SurvivesADaemonRestart()
    {
        _model.Reply(new FakeReply.Text("Noted: deploy 41 is green."), new FakeReply.Text("Deploy 41 was green."));
        RunView first;
        await using (var daemon = await TestDaemon.StartAsync(_home.Path))
        using (var api = new ApiClient(daemon.App.Address, daemon.App.Token))
        {
            first = await RunToEndAsync(api, new { instructions = "Remember: deploy 41 is green.", agent = new { provider = "openai" }, thread = Thread, runNow = true }, "openai");
        }

        await using var restarted = await TestDaemon.StartAsync(_home.Path);
        using var again = new ApiClient(restarted.App.Address, restarted.App.Token);
        var followUp = await RunToEndAsync(again, new { instructions = "Which deploy was green?", thread = Thread, runNow = true }, "openai");

        Assert.Equal("Deploy 41 was green.", followUp.Output);
        Assert.Equal(first.SessionId, followUp.SessionId);
        var messages = JsonSerializer.Serialize(_model.Requests[^1].Body.GetProperty("messages"));
        Assert.Contains("Remember: deploy 41 is green.", messages, StringComparison.Ordinal);
        Assert.Contains("Noted: deploy 41 is green.", messages, StringComparison.Ordinal);
        Assert.Contains("Which deploy was green?", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowUpOfARun_KeepsItsCreatorsAgent_WhenTheThreadHoldsAnotherAgentsSession()
    {
        _model.Reply(new FakeReply.Text("Noted."));
        await using var daemon = await TestDaemon.StartAsync(_home.Path);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);
        await RunToEndAsync(api, new { instructions = "Remember this.", agent = new { provider = "openai" }, thread = Thread, runNow = true }, "openai");
        using var scratch = new TempDirectory();
        var command = $"sh -c 'echo $AGENTCRON_TOKEN > {scratch.File("token")}; sleep 60'";
        var creator = await api.CreateTaskAsync(new { instructions = "hold on", agent = new { provider = "command", command }, thread = Thread, runNow = true, policies = new { retries = 0 } });
        var token = await Eventually.GetAsync(() => Task.FromResult(File.Exists(scratch.File("token")) && File.ReadAllText(scratch.File("token")).Trim() is { Length: > 0 } t ? t : null), TimeSpan.FromSeconds(20), "the run's token");

        // The thread's session is the openai agent's; a follow-up of the command run must not reach it by naming no agent.
        using var agent = new ApiClient(daemon.App.Address, token);
        var followUp = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, new { instructions = "later", trigger = new { @in = "1h" }, thread = Thread });

        Assert.Equal(("command", command), (followUp.Agent.Provider, followUp.Agent.Command));
        await api.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{creator.Id}/cancel", HttpStatusCode.OK);
    }

    private static async Task<RunView> RunToEndAsync(ApiClient api, object body, string provider = "claudecode")
    {
        var task = await api.CreateTaskAsync(body);
        Assert.Equal(provider, task.Agent.Provider);
        var runs = await api.ExpectAsync<PageView<RunView>>(HttpMethod.Get, $"/api/runs?task={task.Id}", HttpStatusCode.OK);
        var run = await api.WaitForFinishAsync(Assert.Single(runs.Items).Id);
        Assert.True(run.Status == "succeeded", $"{run.Status}: {run.Error}");
        return run;
    }
}
