using System.Net;
using AgentCron.Core.Contracts;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentCron.Server.Tests;

/// <summary>What an agent can do with the token of its own run (AGENTCRON_TOKEN): read, create and cancel tasks, within limits.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunTokenTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();

    // Where runs write their tokens down: outside the data directory, which runs cannot reach.
    private readonly TempDirectory _out = new();
    private readonly LogCapture _log = new();
    private TestDaemon _daemon = null!;

    /// <summary>A command that writes its run's token to RUN_ID in <see cref="_out"/> and waits.</summary>
    private string TokenWriter => $"sh -c 'echo $AGENTCRON_TOKEN > {_out.Path}/$AGENTCRON_RUN_ID; sleep 60'";
    private ApiClient _admin = null!;

    public async Task InitializeAsync()
    {
        // A stand-in "claude" that only writes down its run's token and waits: follow-ups of its runs are Claude Code tasks.
        var claude = _out.Script("fake-claude", $"#!/bin/sh\necho $AGENTCRON_TOKEN > {_out.File("claude-token")}\nsleep 60\n");
        File.WriteAllText(_home.File("config.yaml"), $"FollowUps:\n  MaxPerRun: 3\nEngine:\n  ShutdownGrace: 00:00:00\nAgents:\n  Claude:\n    Executable: {claude}\n");
        _daemon = await TestDaemon.StartAsync(_home.Path, configure: services => services.AddSingleton<ILoggerProvider>(_log));
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
        _out.Dispose();
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
        var recurring = new { instructions = "watch it", trigger = new { every = "1h" } };

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
    public async Task FollowUp_IsRefusedSayingWhatIsAllowed_WhenItWouldWidenItsCreatorsAgent()
    {
        var (run, token) = await StartRunAsync(recurringFollowUps: true, claude: true, permissions: "edit", cwd: _out.Path);
        using var agent = new ApiClient(_daemon.App.Address, token);
        (object Body, string Says)[] widenings =
        [
            (new { instructions = "x", agent = new { provider = "command", command = "true" } }, "agent.provider may only be 'claudecode'"),
            (new { instructions = "x", agent = new { provider = "codex" } }, "agent.provider may only be 'claudecode'"),
            (new { instructions = "x", agent = new { command = "true" } }, "takes no agent.command"),
            (new { instructions = "x", agent = new { permissions = "full" } }, "agent.permissions may be read_only or edit"),
            (new { instructions = "x", agent = new { cwd = "/" } }, $"agent.cwd may only be '{_out.Path}'"),
            (new { instructions = "x", agent = new { cwd = "" } }, $"agent.cwd may only be '{_out.Path}'"),
            (new { instructions = "x", runNow = true }, "may not start runs"),
            (new { instructions = "x", trigger = new { every = "1h" }, runNow = true }, "may not start runs"),
        ];

        foreach (var (body, says) in widenings)
        {
            using var response = await agent.PostAsync("/api/tasks", body);
            await ApiClient.AssertStatusAsync(HttpStatusCode.Forbidden, response);
            Assert.Contains(says, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var tasks = await _admin.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, "/api/tasks", HttpStatusCode.OK);
        Assert.DoesNotContain(tasks.Items, t => t.CreatedByRun == run.Id);
    }

    [Fact]
    public async Task FollowUp_IsRefused_WhenAReadOnlyAgentAsksForACommandOrFullPosture()
    {
        var (_, token) = await StartRunAsync(recurringFollowUps: false, claude: true);
        using var agent = new ApiClient(_daemon.App.Address, token);

        using var command = await agent.PostAsync("/api/tasks", new { instructions = "x", agent = new { provider = "cmd", command = "sh -c 'cat $AGENTCRON_HOME/token'" } });
        using var full = await agent.PostAsync("/api/tasks", new { instructions = "x", agent = new { permissions = "full" } });
        using var edit = await agent.PostAsync("/api/tasks", new { instructions = "x", agent = new { permissions = "edit" } });

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], new[] { command.StatusCode, full.StatusCode, edit.StatusCode });
        Assert.Contains("agent.permissions may be read_only (or left out)", await full.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowUp_InheritsItsCreatorsAgent_AndMayNarrowIt()
    {
        var (run, token) = await StartRunAsync(recurringFollowUps: false, claude: true, permissions: "edit", cwd: _out.Path);
        using var agent = new ApiClient(_daemon.App.Address, token);

        var inherited = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, OneTime("later"));
        var narrowed = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, new
        {
            instructions = "later, read only",
            trigger = new { @in = "1h" },
            agent = new { provider = "claude", permissions = "read_only", model = "haiku", cwd = _out.Path + "/" },
        });

        Assert.Equal(("claudecode", "edit", _out.Path, null), (inherited.Agent.Provider, inherited.Agent.Permissions, inherited.Agent.Cwd, inherited.Agent.Command));
        Assert.Equal(("claudecode", "read_only", _out.Path, "haiku"), (narrowed.Agent.Provider, narrowed.Agent.Permissions, narrowed.Agent.Cwd, narrowed.Agent.Model));
        Assert.All(new[] { inherited, narrowed }, t => Assert.Equal(run.Id, t.CreatedByRun));
    }

    [Fact]
    public async Task FollowUp_WorksInItsCreatorsFolder_WhenTheCreatorNamesNoDirectory()
    {
        var (run, token) = await StartRunAsync(recurringFollowUps: false);
        using var agent = new ApiClient(_daemon.App.Address, token);

        var followUp = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, OneTime("look at what you left"));
        using var elsewhere = await agent.PostAsync("/api/tasks", new { instructions = "x", trigger = new { @in = "1h" }, agent = new { cwd = _out.Path } });

        // The creator's runs work in its own folder under the work root; its follow-up is given that folder, not one of its own.
        Assert.Equal(Path.Combine(_home.Path + "-work", run.TaskSlug!), followUp.Agent.Cwd);
        await ApiClient.AssertStatusAsync(HttpStatusCode.Forbidden, elsewhere);
        Assert.Contains($"agent.cwd may only be '{followUp.Agent.Cwd}'", await elsewhere.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowUp_OfACommandRun_RunsExactlyItsCommand()
    {
        var (_, token) = await StartRunAsync(recurringFollowUps: false);
        using var agent = new ApiClient(_daemon.App.Address, token);

        using var other = await agent.PostAsync("/api/tasks", new { instructions = "x", agent = new { command = "sh -c 'cat ~/.ssh/id_rsa'" } });
        var same = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, new { instructions = "x", trigger = new { @in = "1h" }, agent = new { provider = "command", command = TokenWriter } });
        var inherited = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, OneTime("later"));

        await ApiClient.AssertStatusAsync(HttpStatusCode.Forbidden, other);
        Assert.Contains($"agent.command may only be '{TokenWriter}'", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal([("command", TokenWriter), ("command", TokenWriter)], new[] { same, inherited }.Select(t => (t.Agent.Provider, t.Agent.Command)));
    }

    [Fact]
    public async Task RunToken_CancelsOnlyItsOwnTaskAndTheFollowUpsOfItsRunChain()
    {
        var (first, token) = await StartRunAsync(recurringFollowUps: false);
        using var agent = new ApiClient(_daemon.App.Address, token);
        var child = await agent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, new { instructions = "now", trigger = new { at = "now" } });
        var (childRun, childToken) = await RunningAsync(child.Id);
        using var childAgent = new ApiClient(_daemon.App.Address, childToken);
        var grandchild = await childAgent.ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, OneTime("later"));
        var someoneElses = await _admin.CreateTaskAsync(new { instructions = "not yours", trigger = new { @in = "1h" }, agent = new { command = "sleep 60" } });
        var someoneElsesRun = await _admin.RunNowAsync(someoneElses.Id);

        using var ancestor = await childAgent.PostAsync($"/api/tasks/{first.TaskId}/cancel");
        using var other = await agent.PostAsync($"/api/tasks/{someoneElses.Id}/cancel");
        using var otherRun = await agent.PostAsync($"/api/runs/{someoneElsesRun.Id}/cancel");
        var cancelledGrandchild = await agent.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{grandchild.Slug}/cancel", HttpStatusCode.OK);
        var cancelledChildRun = await agent.ExpectAsync<RunView>(HttpMethod.Post, $"/api/runs/{childRun.Id}/cancel", HttpStatusCode.OK);
        var cancelledOwn = await agent.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{first.TaskId}/cancel", HttpStatusCode.OK);

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], new[] { ancestor.StatusCode, other.StatusCode, otherRun.StatusCode });
        Assert.Contains("may cancel only its own task and the follow-ups", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("cancelled", cancelledGrandchild.Status);
        Assert.True(cancelledChildRun.CancelRequested || cancelledChildRun.Status == "cancelled", cancelledChildRun.Status);
        Assert.Equal(first.TaskId, cancelledOwn.Id);
        Assert.Equal("cancelled", (await _admin.WaitForFinishAsync(first.Id)).Status);
        Assert.Equal("active", (await _admin.GetTaskAsync(someoneElses.Id)).Status);
        var untouched = await _admin.GetRunAsync(someoneElsesRun.Id);
        Assert.False(untouched.CancelRequested || untouched.Status == "cancelled", untouched.Status);
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
    public async Task McpOverHttp_SchedulesWithTheNamedAgentAndCommand_WithTheDaemonsToken()
    {
        await using var mcp = await McpAsync(_daemon.App.Token);

        var result = await mcp.CallToolAsync("schedule_follow_up", new Dictionary<string, object?>
        {
            ["prompt"] = "check the deploy",
            ["in"] = "1h",
            ["agent"] = "command",
            ["command"] = "./check-deploy.sh api-7",
            ["cwd"] = _out.Path,
        });

        Assert.False(result.IsError == true, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        var tasks = await _admin.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, "/api/tasks", HttpStatusCode.OK);
        var task = Assert.Single(tasks.Items, t => t.Instructions == "check the deploy");
        Assert.Equal(("command", "./check-deploy.sh api-7", _out.Path), (task.Agent.Provider, task.Agent.Command, task.Agent.Cwd));
    }

    [Fact]
    public async Task McpOverHttp_RefusesAWiderPosture_WithAReadOnlyRunsToken()
    {
        var (run, token) = await StartRunAsync(recurringFollowUps: false, claude: true);
        await using var mcp = await McpAsync(token);

        var wider = await mcp.CallToolAsync("schedule_follow_up", new Dictionary<string, object?> { ["prompt"] = "later", ["in"] = "1h", ["permissions"] = "full" });
        var command = await mcp.CallToolAsync("schedule_follow_up", new Dictionary<string, object?> { ["prompt"] = "later", ["in"] = "1h", ["agent"] = "command", ["command"] = "true" });
        var same = await mcp.CallToolAsync("schedule_follow_up", new Dictionary<string, object?> { ["prompt"] = "later", ["in"] = "1h", ["model"] = "haiku" });

        Assert.True(wider.IsError);
        Assert.Contains("agent.permissions may be read_only", Assert.IsType<TextContentBlock>(Assert.Single(wider.Content)).Text, StringComparison.Ordinal);
        Assert.True(command.IsError);
        Assert.Contains("agent.provider may only be 'claudecode'", Assert.IsType<TextContentBlock>(Assert.Single(command.Content)).Text, StringComparison.Ordinal);
        Assert.False(same.IsError == true, Assert.IsType<TextContentBlock>(Assert.Single(same.Content)).Text);
        var followUp = Assert.Single((await _admin.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, "/api/tasks", HttpStatusCode.OK)).Items, t => t.CreatedByRun == run.Id);
        Assert.Equal(("claudecode", "haiku", null), (followUp.Agent.Provider, followUp.Agent.Model, followUp.Agent.Permissions));
    }

    [Fact]
    public async Task McpOverHttp_LogsOneLineWithoutAStackTrace_PerInvalidToolCall()
    {
        await using var mcp = await McpAsync(_daemon.App.Token);
        var calls = new (string Tool, Dictionary<string, object?> Arguments)[]
        {
            ("schedule_follow_up", new() { ["prompt"] = "later", ["in"] = "soonish", ["agent"] = "command", ["command"] = "true" }),
            ("schedule_follow_up", new() { ["prompt"] = "later", ["at"] = "tomorrow\nFORGED LOG LINE", ["agent"] = "command", ["command"] = "true" }),
            ("schedule_follow_up", new() { ["in"] = "1h" }),
            ("schedule_follow_up", new() { ["prompt"] = 42, ["here"] = "perhaps" }),
            ("show_task", new() { ["id"] = "no-such-task" }),
            ("no_such_tool", new()),
        };

        foreach (var (tool, arguments) in calls)
        {
            var result = await mcp.CallToolAsync(tool, arguments);
            Assert.True(result.IsError, $"{tool}: {Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text}");
        }

        var warnings = _log.Lines.Where(l => l.Level >= LogLevel.Warning).ToList();
        Assert.All(warnings, l => Assert.Null(l.Exception));
        Assert.All(warnings, l => Assert.DoesNotContain('\n', l.Message));
        Assert.Equal(calls.Length, warnings.Count(l => l.Message.StartsWith("MCP tool call", StringComparison.Ordinal)));
        Assert.Equal(calls.Length, warnings.Count);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"initialize","params":{}}""", -32602, "7")]
    [InlineData("""{"jsonrpc":"2.0","id":"a","method":"initialize","params":{"protocolVersion":5}}""", -32602, "\"a\"")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":""", -32700, "null")]
    public async Task McpOverHttp_AnswersAJsonRpcError_WhenTheRequestIsMalformed(string body, int code, string id)
    {
        using var response = await _admin.SendAsync(HttpMethod.Post, "/mcp", body);

        await ApiClient.AssertStatusAsync(HttpStatusCode.BadRequest, response);
        using var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(id, error.RootElement.GetProperty("id").GetRawText());
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

    /// <summary>
    /// Starts a run whose command (or stand-in Claude Code) writes down the token it was given, then waits; returns the
    /// running run and the token. Follow-ups of a command run inherit its command, so their runs do the same.
    /// </summary>
    private async Task<(RunView Run, string Token)> StartRunAsync(bool recurringFollowUps, string? thread = null, bool claude = false, string? permissions = null, string? cwd = null)
    {
        var task = await _admin.CreateTaskAsync(new
        {
            instructions = "hold on",
            agent = claude
                ? new { provider = "claudecode", command = (string?)null, permissions, cwd }
                : new { provider = "command", command = (string?)TokenWriter, permissions, cwd },
            policies = new { recurringFollowUps, retries = 0 },
            thread,
            runNow = true,
        });
        return await RunningAsync(task.Id, claude ? _out.File("claude-token") : null);
    }

    /// <summary>The task's one running run, once it has written its token down (to <paramref name="file"/>, or to RUN_ID in <see cref="_out"/>).</summary>
    private async Task<(RunView Run, string Token)> RunningAsync(string taskId, string? file = null)
    {
        var run = await Eventually.GetAsync(
            async () => (await _admin.ExpectAsync<PageView<RunView>>(HttpMethod.Get, $"/api/runs?task={taskId}", HttpStatusCode.OK)).Items is [var first, ..] ? first : null,
            TimeSpan.FromSeconds(20),
            $"a run of task {taskId}");
        var path = file ?? _out.File(run.Id);
        var token = await Eventually.GetAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } t ? t : null), TimeSpan.FromSeconds(20), "the run's token");
        Assert.StartsWith("acr_", token, StringComparison.Ordinal);
        Assert.NotEqual(_daemon.App.Token, token);
        return (await _admin.GetRunAsync(run.Id), token);
    }

    private static object OneTime(string instructions) => new { instructions, trigger = new { @in = "1h" } };
}
