using System.Net;
using AgentCron.Core.Contracts;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>What an agent can do with the token of its own run (AGENTCRON_TOKEN): read, create and cancel tasks, within limits.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunTokenTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _claude = new(); // what the runs write: outside the data directory, which runs cannot see
    private TestDaemon _daemon = null!;
    private ApiClient _admin = null!;

    public async Task InitializeAsync()
    {
        // A stand-in "claude" that only writes down its run's token and waits: follow-ups of its runs are Claude Code tasks.
        var claude = _claude.Script("fake-claude", $"#!/bin/sh\necho $AGENTCRON_TOKEN > {_claude.File("claude-token")}\nsleep 60\n");
        File.WriteAllText(_home.File("config.yaml"), $"FollowUps:\n  MaxPerRun: 3\nEngine:\n  ShutdownGrace: 00:00:00\nAgents:\n  Claude:\n    Executable: {claude}\n");
        _daemon = await TestDaemon.StartAsync(_home.Path);
        _admin = new ApiClient(_daemon.App.Address, _daemon.App.Token);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _daemon.DisposeAsync();
    }

    public void Dispose()
    {
        _home.Dispose();
        _claude.Dispose();
    }

    [Fact]
    public async Task RunToken_CreatesReadsAndCancelsTasks_ButNothingElse()
    {
        var (run, token) = await StartRunAsync(recurringFollowUps: false);
        using var agent = new ApiClient(_daemon.App.Address, token);

        var followUp = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, OneTime("check the deploy again"));
        Assert.Equal(run.Id, followUp.CreatedByRun);
        await agent.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, "/api/tasks", HttpStatusCode.OK);
        await agent.ExpectAsync<RunView>(HttpMethod.Get, $"/api/runs/{run.Id}", HttpStatusCode.OK);
        await agent.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{followUp.Id}/cancel", HttpStatusCode.OK);

        foreach (var (method, path) in new[] { ("POST", $"/api/tasks/{followUp.Id}/pause"), ("DELETE", $"/api/tasks/{followUp.Id}"), ("PATCH", $"/api/tasks/{followUp.Id}"), ("POST", $"/api/tasks/{followUp.Id}/run") })
        {
            using var response = await agent.SendAsync(new HttpMethod(method), path, "{}");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task RunToken_CreatesOnlyOneTimeTasks_UnlessItsTaskAllowsRecurringFollowUps()
    {
        var (_, strict) = await StartRunAsync(recurringFollowUps: false);
        var (_, lenient) = await StartRunAsync(recurringFollowUps: true);
        var recurring = new { instructions = "watch it", trigger = new { every = "1h" }, agent = new { command = "true" } };

        using (var agent = new ApiClient(_daemon.App.Address, strict))
        using (var refused = await agent.PostAsync("/api/tasks", recurring))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("policies.recurringFollowUps", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var agent = new ApiClient(_daemon.App.Address, lenient))
        {
            await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, recurring);
        }
    }

    [Fact]
    public async Task RunToken_CreatesAtMostTheConfiguredNumberOfTasks_PerRun()
    {
        var (_, token) = await StartRunAsync(recurringFollowUps: false);
        using var agent = new ApiClient(_daemon.App.Address, token);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => agent.PostAsync("/api/tasks", OneTime($"follow-up {i}"))));

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.Forbidden));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task RunToken_IsRefused_WhenForgedOrWhenItsRunHasEnded()
    {
        var (run, token) = await StartRunAsync(recurringFollowUps: false);
        using (var forged = new ApiClient(_daemon.App.Address, token[..^4] + "0000"))
        using (var response = await forged.SendAsync(HttpMethod.Get, "/api/tasks"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await _admin.ExpectAsync<RunView>(HttpMethod.Post, $"/api/runs/{run.Id}/cancel", HttpStatusCode.OK);
        await _admin.WaitForFinishAsync(run.Id);

        using var agent = new ApiClient(_daemon.App.Address, token);
        using var late = await agent.SendAsync(HttpMethod.Get, "/api/tasks");
        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        Assert.Contains("only while its run is running", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpOverHttp_SchedulesAFollowUpInTheRunsThread_WithTheRunsToken()
    {
        var (run, token) = await StartRunAsync(recurringFollowUps: false, thread: "slack:C42:1700000000.000100", claude: true);
        await using var mcp = await McpAsync(token);

        var tools = await mcp.ListToolsAsync();
        var result = await mcp.CallToolAsync("schedule_follow_up", new Dictionary<string, object?> { ["prompt"] = "check the deploy again", ["in"] = "20m" });

        Assert.Equal(["cancel_task", "list_tasks", "schedule_follow_up", "show_task"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.False(result.IsError == true, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        var followUps = await _admin.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, "/api/tasks", HttpStatusCode.OK);
        var followUp = Assert.Single(followUps.Items, t => t.CreatedByRun == run.Id);
        Assert.Equal("slack:C42:1700000000.000100", followUp.Thread);
        Assert.Contains(followUp.Slug, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpOverHttp_ReportsTheDaemonsRefusal_AsAToolError()
    {
        var (_, token) = await StartRunAsync(recurringFollowUps: false);
        await using var mcp = await McpAsync(token);

        var result = await mcp.CallToolAsync("schedule_follow_up", new Dictionary<string, object?> { ["prompt"] = "later", ["in"] = "soonish" });

        Assert.True(result.IsError);
        Assert.Contains("trigger", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpOverHttp_IsRefused_WithoutAValidToken()
    {
        using var anonymous = new ApiClient(_daemon.App.Address, "not-a-token");
        using var response = await anonymous.PostAsync("/mcp", new { jsonrpc = "2.0", id = 1, method = "tools/list" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(async () => await (await McpAsync("not-a-token")).DisposeAsync());
    }

    private async Task<McpClient> McpAsync(string token) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_daemon.App.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }));

    /// <summary>Starts a run whose command writes down the token it was given, then waits; returns the running run and the token.</summary>
    private async Task<(RunView Run, string Token)> StartRunAsync(bool recurringFollowUps, string? thread = null, bool claude = false)
    {
        var file = claude ? _claude.File("claude-token") : _claude.File($"token-{Guid.NewGuid():N}");
        var task = await _admin.CreateTaskAsync(new
        {
            instructions = "hold on",
            agent = claude ? new { provider = "claudecode", command = (string?)null } : new { provider = "command", command = (string?)$"sh -c 'echo $AGENTCRON_TOKEN > {file}; sleep 60'" },
            policies = new { recurringFollowUps, retries = 0 },
            thread,
            runNow = true,
        });
        var token = await Eventually.GetAsync(() => Task.FromResult(File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } t ? t : null), TimeSpan.FromSeconds(20), "the run's token");
        var runs = await _admin.ExpectAsync<PageView<RunView>>(HttpMethod.Get, $"/api/runs?task={task.Id}", HttpStatusCode.OK);
        Assert.StartsWith("acr_", token, StringComparison.Ordinal);
        Assert.NotEqual(_daemon.App.Token, token);
        return (Assert.Single(runs.Items), token);
    }

    private static object OneTime(string instructions) => new { instructions, trigger = new { @in = "1h" }, agent = new { command = "true" } };
}
