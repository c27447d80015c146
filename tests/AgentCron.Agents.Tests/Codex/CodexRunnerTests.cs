using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Agents.Codex;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.Codex;

/// <summary>The real Codex CLI (npm @openai/codex, installed by ./test.sh) against the fake model server's Responses API.</summary>
public sealed class CodexRunnerTests : IAsyncLifetime, IDisposable
{
    private const string SchedulingHeading = "Scheduling follow-ups with AgentCron";

    /// <summary>
    /// A model Codex has no metadata for, so it offers the model its classic function tools (exec_command) and reports
    /// commands as command_execution items; for its own default model (gpt-6.1-sol in 0.169.0) it sends no tools
    /// (code mode) and a command the model still calls by name runs without such items.
    /// </summary>
    private const string Model = "fake-codex-model";

    private readonly TempDirectory _home = new();
    private readonly ListLog _log = new();
    private readonly string _work;
    private FakeModelServer _model = null!;

    public CodexRunnerTests() => _work = Directory.CreateDirectory(Path.Combine(_home.Path, "work")).FullName;

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
        Assert.Equal((29L, 11L), (result.Usage!.InputTokens, result.Usage.OutputTokens));
        var request = Assert.Single(_model.Requests);
        Assert.Equal(Model, request.Body.GetProperty("model").GetString());
        Assert.Contains("Check the deploy of api-7.", Input(request), StringComparison.Ordinal);
        // The default posture is Codex's read-only sandbox, and Codex tells the model so.
        Assert.Contains("`sandbox_mode` is `read-only`", Input(request), StringComparison.Ordinal);
        Assert.Equal(result.SessionId, Assert.Single(_log.Entries, e => e.Type == "agent.session").Data.GetProperty("sessionId").GetString());
        Assert.Equal(["The deploy of api-7 is green."], _log.Texts("assistant.text"));
        Assert.False(Assert.Single(_log.Entries, e => e.Type == "agent.result").Data.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task RunAsync_ContinuesTheConversation_WhenResumingItsSession()
    {
        _model.Reply(new FakeReply.Text("Noted: the canary is at 5%."), new FakeReply.Text("Still 5%."));
        var first = await RunAsync("Remember: the canary is at 5%.");

        var second = await RunAsync("What was the canary at?", first.SessionId);

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal("Still 5%.", second.Output);
        Assert.Equal(first.SessionId, second.SessionId);
        var resumed = Input(_model.Requests[^1]);
        Assert.Contains("Remember: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("Noted: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("What was the canary at?", resumed, StringComparison.Ordinal);
        // Codex reports the session's running totals; the run records this turn's own usage.
        Assert.Equal((29L, 11L), (second.Usage!.InputTokens, second.Usage.OutputTokens));
        Assert.Equal(58, _log.Entries.Last(e => e.Type == "agent.result").Data.GetProperty("sessionInputTokens").GetInt64());
    }

    [Fact]
    public async Task RunAsync_FailsQuicklyWithTheAgentsOwnMessage_WhenTheApiRejectsTheKey()
    {
        _model.Reply(new FakeReply.Error(401, "Incorrect API key provided: sk-fake."));

        var result = await RunAsync("anything").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(result.Succeeded);
        Assert.Contains("401 Unauthorized: Incorrect API key provided: sk-fake.", result.Error, StringComparison.Ordinal);
        Assert.Single(_model.Requests);
        Assert.True(Assert.Single(_log.Entries, e => e.Type == "agent.result").Data.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task RunAsync_KillsCodexAndEverythingItStarted_WhenStopped()
    {
        _model.Reply(new FakeReply.Hang());
        using var stop = new CancellationTokenSource();
        var pid = 0;

        var running = RunAsync("take your time", processStarted: p => pid = p, cancellationToken: stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(_model.Requests.Count > 0), TimeSpan.FromSeconds(30), "codex to call the model");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(15)));
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), TimeSpan.FromSeconds(10), "codex's process group to be gone");
    }

    [Fact]
    public async Task RunAsync_SaysHowToInstallCodex_WhenItIsMissing()
    {
        var runner = new CodexRunner(new AgentCliOptions { Executable = "/nonexistent/codex" });

        var result = await runner.RunAsync(Request("x", null, _ => { }), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("'/nonexistent/codex'", result.Error, StringComparison.Ordinal);
        Assert.Contains("npm install -g @openai/codex", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LogsTheCommandButItCannotWrite_WhenThePostureIsDefault()
    {
        // The command reports its own failure and exits 0: codex 0.169.0 often leaves a command that exits non-zero in its
        // sandbox out of the JSONL (it still runs it and tells the model), so only such a command is logged reliably.
        var marker = Path.Combine(_work, "should-not-exist");
        _model.Reply(new FakeReply.ToolUse("exec_command", new { cmd = $"echo done > {marker}; echo status $?" }), new FakeReply.Text("I could not write it."));

        var result = await RunAsync("create the marker");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("I could not write it.", result.Output);
        var call = Assert.Single(_log.Entries, e => e.Type == "tool.call");
        Assert.Equal("command", call.Data.GetProperty("name").GetString());
        Assert.Contains(marker, call.Data.GetProperty("input").GetProperty("command").GetString(), StringComparison.Ordinal);
        var toolResult = Assert.Single(_log.Entries, e => e.Type == "tool.result");
        Assert.Equal(call.Data.GetProperty("id").GetString(), toolResult.Data.GetProperty("id").GetString());
        Assert.Contains("Read-only file system", toolResult.Data.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("status 1", toolResult.Data.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("Read-only file system", Input(_model.Requests[^1]), StringComparison.Ordinal);
        Assert.DoesNotContain(SchedulingHeading, Input(_model.Requests[0]), StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task RunAsync_WritesInItsWorkingDirectory_WhenThePostureIsEdit()
    {
        var marker = Path.Combine(_work, "edited-by-codex");
        _model.Reply(new FakeReply.ToolUse("exec_command", new { cmd = $"echo done > {marker}" }), new FakeReply.Text("Wrote it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Edit);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        Assert.Contains("`sandbox_mode` is `workspace-write`", Input(_model.Requests[0]), StringComparison.Ordinal);
        Assert.DoesNotContain(SchedulingHeading, Input(_model.Requests[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RunsCommandsAndIsToldAboutScheduling_WhenThePostureIsFull()
    {
        var marker = Path.Combine(_home.Path, "ran-by-codex");
        _model.Reply(new FakeReply.ToolUse("exec_command", new { cmd = $"echo done > {marker}" }), new FakeReply.Text("Created it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Full);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        Assert.Contains(SchedulingHeading, Input(_model.Requests[0], role: "developer"), StringComparison.Ordinal);
        var toolResult = Assert.Single(_log.Entries, e => e.Type == "tool.result");
        Assert.False(toolResult.Data.GetProperty("isError").GetBoolean());
        Assert.Equal(0, toolResult.Data.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task DescribeAsync_ReportsPathAndVersion_WhenCodexIsInstalled()
    {
        var codex = TestTools.NpmBin("codex");

        var info = await new CodexRunner(new AgentCliOptions { Executable = codex }).DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Equal(codex, info.Path);
        Assert.Equal("codex-cli 0.169.0", info.Version);
    }

    [Fact]
    public async Task DescribeAsync_SaysHowToInstall_WhenCodexIsMissing()
    {
        var info = await new CodexRunner(new AgentCliOptions { Executable = "/nonexistent/codex" }).DescribeAsync(CancellationToken.None);

        Assert.False(info.Available);
        Assert.Contains("npm install -g @openai/codex", info.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RejectsACommand_WhichOnlyTheCommandAgentTakes()
    {
        var error = Assert.Throws<Core.InvalidFieldException>(() =>
            new CodexRunner(new AgentCliOptions()).Validate(new AgentSelection { Provider = "codex", Command = "echo" }));

        Assert.Equal("agent.command", error.Field);
    }

    /// <summary>Codex from .tools against the fake server, with its state (sessions) in the test's throwaway HOME.</summary>
    private Task<RunnerResult> RunAsync(string prompt, string? resume = null, Action<int>? processStarted = null, AgentPermissions? permissions = null, CancellationToken cancellationToken = default)
    {
        var options = new AgentCliOptions
        {
            Executable = TestTools.NpmBin("codex"),
            Arguments = [.. _model.CodexArguments],
            Environment = { ["HOME"] = _home.Path, [FakeModelServer.CodexKeyVariable] = "sk-fake" },
        };
        return new CodexRunner(options).RunAsync(Request(prompt, resume, processStarted ?? (_ => { }), permissions), _log, cancellationToken);
    }

    private RunRequest Request(string prompt, string? resume, Action<int> processStarted, AgentPermissions? permissions = null)
    {
        var task = new AgentTask { Id = "t_codex", Slug = "codex", Name = "codex", Instructions = prompt, Agent = new AgentSelection { Provider = "codex", Model = Model, Permissions = permissions } };
        var run = new TaskRun { Id = "r_codex", TaskId = task.Id, Occurrence = "manual:r_codex", Status = RunStatus.Running };
        var environment = new RunEnvironment("http://127.0.0.1:7433", _home.Path).For(run, task);
        return new RunRequest(run, task, _work, environment, processStarted, resume, AgentPrompt.Section(null, 5));
    }

    /// <summary>The texts of a request's input items (messages, tool outputs), optionally only the messages of one role.</summary>
    private static string Input(RecordedRequest request, string? role = null) => string.Join("\n",
        request.Body.GetProperty("input").EnumerateArray()
            .Where(item => role is null || (item.TryGetProperty("role", out var r) && r.GetString() == role))
            .SelectMany(item => item.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
                ? content.EnumerateArray().Select(part => part.TryGetProperty("text", out var text) ? text.GetString() : null)
                : [item.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String ? output.GetString() : null])
            .OfType<string>());
}
