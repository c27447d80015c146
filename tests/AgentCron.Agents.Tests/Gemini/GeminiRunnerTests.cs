using System.Diagnostics;
using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Agents.Gemini;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.Gemini;

/// <summary>The real Gemini CLI (npm @google/gemini-cli, installed by ./test.sh) against the fake model server.</summary>
public sealed class GeminiRunnerTests : IAsyncLifetime, IDisposable
{
    private const string Model = "gemini-2.5-flash";
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _work = new();
    private readonly ListLog _log = new();
    private FakeModelServer _model = null!;

    public async Task InitializeAsync()
    {
        _model = await FakeModelServer.StartAsync();
        FakeModelServer.WriteGeminiSettings(_home.Path);
    }

    public async Task DisposeAsync() => await _model.DisposeAsync();

    public void Dispose()
    {
        _work.Dispose();
        _home.Dispose();
    }

    [Fact]
    public async Task RunAsync_ReturnsTheAnswerSessionAndUsage_WhenTheModelAnswers()
    {
        _model.Reply(new FakeReply.Text("The deploy of api-7 is green."));

        var result = await RunAsync("Check the deploy of api-7.");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("The deploy of api-7 is green.", result.Output);
        Assert.True(Guid.TryParse(result.SessionId, out _), result.SessionId);
        Assert.Equal(Model, result.Model);
        Assert.Equal((21L, 7L), (result.Usage!.InputTokens, result.Usage.OutputTokens));
        var request = Assert.Single(_model.Requests);
        Assert.Equal($"/v1beta/models/{Model}:streamGenerateContent", request.Path);
        Assert.Contains("Check the deploy of api-7.", Contents(request), StringComparison.Ordinal);
        // The server streams the answer word by word; the log has it once.
        Assert.Equal(["The deploy of api-7 is green."], _log.Texts("assistant.text"));
        Assert.Equal(result.SessionId, Assert.Single(_log.Entries, e => e.Type == "agent.session").Data.GetProperty("sessionId").GetString());
        Assert.Contains(_log.Entries, e => e.Type == "agent.result");
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
        var resumed = Contents(_model.Requests[^1]);
        Assert.Contains("Remember: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("Noted: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("What was the canary at?", resumed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FailsWithTheAgentsOwnMessage_WhenTheApiRejectsTheKey()
    {
        _model.Reply(new FakeReply.Error(401, "API key not valid. Please pass a valid API key."));
        var clock = Stopwatch.StartNew();

        var result = await RunAsync("anything");

        Assert.False(result.Succeeded);
        Assert.StartsWith("Gemini CLI failed: [API Error:", result.Error, StringComparison.Ordinal);
        Assert.Contains("API key not valid", result.Error, StringComparison.Ordinal);
        Assert.Single(_model.Requests);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task RunAsync_KillsGeminiAndEverythingItStarted_WhenStopped()
    {
        _model.Reply(new FakeReply.Hang());
        using var stop = new CancellationTokenSource();
        var pid = 0;

        var running = RunAsync("take your time", processStarted: p => pid = p, cancellationToken: stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(_model.Requests.Count > 0), TimeSpan.FromSeconds(30), "gemini to call the model");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(15)));
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), TimeSpan.FromSeconds(10), "gemini's process group to be gone");
    }

    [Fact]
    public async Task RunAsync_SaysHowToInstallGemini_WhenItIsMissing()
    {
        var runner = new GeminiRunner(new AgentCliOptions { Executable = "/nonexistent/gemini" });

        var result = await runner.RunAsync(Request("x", null, _ => { }), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("'/nonexistent/gemini'", result.Error, StringComparison.Ordinal);
        Assert.Contains("npm install -g @google/gemini-cli", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RefusesTheShell_WhenThePostureIsTheDefault()
    {
        var marker = Path.Combine(_work.Path, "ran-by-gemini");
        _model.Reply(new FakeReply.ToolUse("run_shell_command", new { command = $"echo done > {marker}" }), new FakeReply.Text("I could not run it."));

        var result = await RunAsync("create the marker");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("I could not run it.", result.Output);
        // Read-only: the shell is not even offered to the model, and a call to it fails.
        Assert.DoesNotContain("run_shell_command", ToolsOffered(_model.Requests[0]));
        Assert.DoesNotContain("write_file", ToolsOffered(_model.Requests[0]));
        var call = Assert.Single(_log.Entries, e => e.Type == "tool.call");
        Assert.Equal("run_shell_command", call.Data.GetProperty("name").GetString());
        var toolResult = Assert.Single(_log.Entries, e => e.Type == "tool.result");
        Assert.True(toolResult.Data.GetProperty("isError").GetBoolean());
        Assert.Contains("not found", toolResult.Data.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("functionResponse", JsonSerializer.Serialize(_model.Requests[^1].Body), StringComparison.Ordinal);
        Assert.DoesNotContain("Scheduling follow-ups with AgentCron", Contents(_model.Requests[0]), StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task RunAsync_LetsGeminiRunCommands_WhenThePostureIsFull()
    {
        var marker = Path.Combine(_work.Path, "ran-by-gemini");
        _model.Reply(new FakeReply.ToolUse("run_shell_command", new { command = $"echo done > {marker}" }), new FakeReply.Text("Created it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Full);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Created it.", result.Output);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        Assert.Contains("run_shell_command", ToolsOffered(_model.Requests[0]));
        Assert.Contains("Scheduling follow-ups with AgentCron", Contents(_model.Requests[0]), StringComparison.Ordinal);
        var call = Assert.Single(_log.Entries, e => e.Type == "tool.call");
        Assert.Equal($"echo done > {marker}", call.Data.GetProperty("input").GetProperty("command").GetString());
        Assert.False(Assert.Single(_log.Entries, e => e.Type == "tool.result").Data.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task RunAsync_OffersTheFileToolsButNotTheShell_WhenThePostureIsEdit()
    {
        _model.Reply(new FakeReply.Text("ok"));

        var result = await RunAsync("look around", permissions: AgentPermissions.Edit);

        Assert.True(result.Succeeded, result.Error);
        var tools = ToolsOffered(_model.Requests[0]);
        Assert.Contains("write_file", tools);
        Assert.Contains("replace", tools);
        Assert.DoesNotContain("run_shell_command", tools);
    }

    [Fact]
    public async Task DescribeAsync_ReportsPathAndVersion_WhenGeminiIsInstalled()
    {
        var gemini = TestTools.NpmBin("gemini");

        var info = await new GeminiRunner(new AgentCliOptions { Executable = gemini }).DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Equal(gemini, info.Path);
        Assert.StartsWith("0.61.0", info.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RejectsACommand_WhichOnlyTheCommandAgentTakes()
    {
        var error = Assert.Throws<Core.InvalidFieldException>(() =>
            new GeminiRunner(new AgentCliOptions()).Validate(new AgentSelection { Provider = "gemini", Command = "echo" }));

        Assert.Equal("agent.command", error.Field);
    }

    private Task<RunnerResult> RunAsync(string prompt, string? resume = null, Action<int>? processStarted = null, AgentPermissions? permissions = null, CancellationToken cancellationToken = default) =>
        new GeminiRunner(new AgentCliOptions { Executable = TestTools.NpmBin("gemini") })
            .RunAsync(Request(prompt, resume, processStarted ?? (_ => { }), permissions), _log, cancellationToken);

    private RunRequest Request(string prompt, string? resume, Action<int> processStarted, AgentPermissions? permissions = null)
    {
        var task = new AgentTask
        {
            Id = "t_gemini",
            Slug = "gemini",
            Name = "gemini",
            Instructions = prompt,
            Agent = new AgentSelection { Provider = "gemini", Model = Model, Permissions = permissions },
        };
        var run = new TaskRun { Id = "r_gemini", TaskId = task.Id, Occurrence = "manual:r_gemini", Status = RunStatus.Running };
        var environment = new Dictionary<string, string>(new RunEnvironment("http://127.0.0.1:7433", _home.Path).For(run, task))
        {
            ["HOME"] = _home.Path,
            ["GOOGLE_GEMINI_BASE_URL"] = _model.BaseUrl,
            ["GEMINI_API_KEY"] = "fake-key",
            // Where the CLI writes its error reports (gemini-client-error-*.json), so they go with the test's files.
            ["TMPDIR"] = _home.Path,
        };

        // Gemini keeps its sessions per working directory: both turns of a conversation start in the same one.
        return new RunRequest(run, task, _work.Path, environment, processStarted, resume, AgentPrompt.Section(null, 5));
    }

    private static string Contents(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("contents"));

    private static List<string> ToolsOffered(RecordedRequest request) =>
    [
        .. request.Body.GetProperty("tools").EnumerateArray()
            .SelectMany(t => t.TryGetProperty("functionDeclarations", out var declarations) ? declarations.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(d => d.GetProperty("name").GetString()!),
    ];
}
