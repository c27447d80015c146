using System.Text.Json;
using AgentCron.Agents.Claude;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.Claude;

/// <summary>The real Claude Code CLI (npm @anthropic-ai/claude-code, installed by ./test.sh) against the fake model server.</summary>
public sealed class ClaudeRunnerTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly ListLog _log = new();
    private FakeModelServer _model = null!;

    public async Task InitializeAsync() => _model = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _model.DisposeAsync();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task RunAsync_ReturnsTheAnswerSessionAndUsage_WhenTheModelAnswers()
    {
        _model.Reply(new FakeReply.Text("The deploy of api-7 is green."));

        var result = await RunAsync("Check the deploy of api-7.");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("The deploy of api-7 is green.", result.Output);
        Assert.True(Guid.TryParse(result.SessionId, out _), result.SessionId);
        Assert.Equal((21L, 7L), (result.Usage!.InputTokens, result.Usage.OutputTokens));
        Assert.True(result.Usage.CostUsd > 0);
        Assert.Contains("Check the deploy of api-7.", Messages(_model.Requests[^1]), StringComparison.Ordinal);
        Assert.Equal(["The deploy of api-7 is green."], _log.Texts("assistant.text"));
        Assert.Contains(_log.Entries, e => e.Type == "agent.result");
    }

    [Fact]
    public async Task RunAsync_ContinuesTheConversation_WhenResumingItsSession()
    {
        _model.Reply(new FakeReply.Text("Noted: the canary is at 5%."), new FakeReply.Text("Still 5%."));
        var first = await RunAsync("Remember: the canary is at 5%.");

        var second = await RunAsync("What was the canary at?", first.SessionId);

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(first.SessionId, second.SessionId);
        var resumed = Messages(_model.Requests[^1]);
        Assert.Contains("Remember: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("Noted: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("What was the canary at?", resumed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FailsWithTheAgentsOwnMessage_WhenTheApiRejectsTheKey()
    {
        _model.Reply(new FakeReply.Error(401, "invalid x-api-key"));

        var result = await RunAsync("anything");

        Assert.False(result.Succeeded);
        Assert.Contains("Invalid API key", result.Error, StringComparison.Ordinal);
        Assert.Single(_model.Requests);
    }

    [Fact]
    public async Task RunAsync_KillsClaudeAndEverythingItStarted_WhenStopped()
    {
        _model.Reply(new FakeReply.Hang());
        using var stop = new CancellationTokenSource();
        var pid = 0;

        var running = RunAsync("take your time", processStarted: p => pid = p, cancellationToken: stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(_model.Requests.Count > 0), TimeSpan.FromSeconds(30), "claude to call the model");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(15)));
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), TimeSpan.FromSeconds(10), "claude's process group to be gone");
    }

    [Fact]
    public async Task RunAsync_SaysHowToInstallClaude_WhenItIsMissing()
    {
        var runner = new ClaudeRunner(new ClaudeOptions { Executable = "/nonexistent/claude" });

        var result = await runner.RunAsync(Request("x", null, _ => { }), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("'/nonexistent/claude'", result.Error, StringComparison.Ordinal);
        Assert.Contains("npm install -g @anthropic-ai/claude-code", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LogsToolCallsAndResults_WhenTheModelUsesATool()
    {
        // Without permission to run commands (the default posture), Claude refuses the call and tells the model so.
        _model.Reply(new FakeReply.ToolUse("Bash", new { command = "touch /tmp/should-not-exist-agentcron" }), new FakeReply.Text("I could not run it."));

        var result = await RunAsync("touch a file");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("I could not run it.", result.Output);
        var call = Assert.Single(_log.Entries, e => e.Type == "tool.call");
        Assert.Equal("Bash", call.Data.GetProperty("name").GetString());
        var toolResult = Assert.Single(_log.Entries, e => e.Type == "tool.result");
        Assert.True(toolResult.Data.GetProperty("isError").GetBoolean());
        Assert.Contains("tool_result", JsonSerializer.Serialize(_model.Requests[^1].Body), StringComparison.Ordinal);
        Assert.DoesNotContain("Scheduling follow-ups with AgentCron", JsonSerializer.Serialize(_model.Requests[0].Body), StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/should-not-exist-agentcron"));
    }

    [Fact]
    public async Task RunAsync_LetsClaudeRunCommands_WhenThePostureIsFull()
    {
        var marker = Path.Combine(_home.Path, "ran-by-claude");
        _model.Reply(new FakeReply.ToolUse("Bash", new { command = $"echo done > {marker}" }), new FakeReply.Text("Created it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Full);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        Assert.Contains("Scheduling follow-ups with AgentCron", JsonSerializer.Serialize(_model.Requests[0].Body.GetProperty("system")), StringComparison.Ordinal);
        Assert.False(Assert.Single(_log.Entries, e => e.Type == "tool.result").Data.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task DescribeAsync_ReportsPathAndVersion_WhenClaudeIsInstalled()
    {
        var claude = TestTools.NpmBin("claude");

        var info = await new ClaudeRunner(new ClaudeOptions { Executable = claude }).DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Equal(claude, info.Path);
        Assert.StartsWith("2.1.330", info.Version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeAsync_SaysHowToInstall_WhenClaudeIsMissing()
    {
        var info = await new ClaudeRunner(new ClaudeOptions { Executable = "/nonexistent/claude" }).DescribeAsync(CancellationToken.None);

        Assert.False(info.Available);
        Assert.Contains("npm install -g @anthropic-ai/claude-code", info.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RejectsACommand_WhichOnlyTheCommandAgentTakes()
    {
        var error = Assert.Throws<Core.InvalidFieldException>(() =>
            new ClaudeRunner(new ClaudeOptions()).Validate(new AgentSelection { Provider = "claudecode", Command = "echo" }));

        Assert.Equal("agent.command", error.Field);
    }

    private Task<RunnerResult> RunAsync(string prompt, string? resume = null, Action<int>? processStarted = null, AgentPermissions? permissions = null, CancellationToken cancellationToken = default) =>
        new ClaudeRunner(new ClaudeOptions { Executable = TestTools.NpmBin("claude") })
            .RunAsync(Request(prompt, resume, processStarted ?? (_ => { }), permissions), _log, cancellationToken);

    private RunRequest Request(string prompt, string? resume, Action<int> processStarted, AgentPermissions? permissions = null)
    {
        var task = new AgentTask { Id = "t_claude", Slug = "claude", Name = "claude", Instructions = prompt, Agent = new AgentSelection { Provider = "claudecode", Permissions = permissions } };
        var run = new TaskRun { Id = "r_claude", TaskId = task.Id, Occurrence = "manual:r_claude", Status = RunStatus.Running };
        var environment = new Dictionary<string, string>(new RunEnvironment("http://127.0.0.1:7433", _home.Path).For(run, task))
        {
            ["HOME"] = _home.Path,
            ["ANTHROPIC_BASE_URL"] = _model.Address.ToString().TrimEnd('/'),
            ["ANTHROPIC_API_KEY"] = "sk-fake",
            // Claude Code retries failed API calls ten times with growing delays; a test wants the first answer.
            ["CLAUDE_CODE_MAX_RETRIES"] = "0",
        };
        return new RunRequest(run, task, _home.Path, environment, processStarted, resume, AgentPrompt.Section(null, 5));
    }

    private static string Messages(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("messages"));
}
