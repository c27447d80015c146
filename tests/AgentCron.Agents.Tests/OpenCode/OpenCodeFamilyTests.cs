using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.OpenCode;

/// <summary>
/// The tests every CLI of the OpenCode family passes, run against the real CLI (from .tools, installed by ./test.sh)
/// and the fake model server, which it reaches as a custom OpenAI-compatible provider. Each test class says which CLI.
/// </summary>
public abstract class OpenCodeFamilyTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly ListLog _log = new();
    private FakeModelServer _model = null!;

    /// <summary>The program's name in .tools (and on PATH).</summary>
    protected abstract string Program { get; }

    /// <summary>What the runner tells people to install.</summary>
    protected abstract string InstallHint { get; }

    /// <summary>The CLI's environment prefix (<c>OPENCODE</c>, <c>KILO</c>).</summary>
    protected abstract string Prefix { get; }

    /// <summary>The version pinned in ./test.sh.</summary>
    protected abstract string Version { get; }

    /// <summary>Settings that keep the CLI from retrying a failing model API (a test wants the first answer).</summary>
    protected virtual IReadOnlyDictionary<string, string> NoRetries { get; } = new Dictionary<string, string>();

    protected abstract CliAgentRunner NewRunner(string executable);

    public async Task InitializeAsync() => _model = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _model.DisposeAsync();

    public void Dispose()
    {
        _home.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task RunAsync_ReturnsTheAnswerSessionAndUsage_WhenTheModelAnswers()
    {
        _model.Reply(new FakeReply.Text("The deploy of api-7 is green."));

        var result = await RunAsync("Check the deploy of api-7.");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("The deploy of api-7 is green.", result.Output);
        Assert.StartsWith("ses_", result.SessionId, StringComparison.Ordinal);
        Assert.Equal((17L, 5L), (result.Usage!.InputTokens, result.Usage.OutputTokens));
        Assert.True(result.Usage.CostUsd > 0);
        // The session is titled after the task, so the CLI asks the model nothing but the turn itself.
        var request = Assert.Single(_model.Requests);
        Assert.Contains("Check the deploy of api-7.", Messages(request), StringComparison.Ordinal);
        Assert.Equal(["The deploy of api-7 is green."], _log.Texts("assistant.text"));
        Assert.Equal(result.SessionId, Assert.Single(_log.Entries, e => e.Type == "agent.session").Data.GetProperty("sessionId").GetString());
        Assert.Equal("stop", Assert.Single(_log.Entries, e => e.Type == "agent.step").Data.GetProperty("reason").GetString());
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
        var resumed = Messages(_model.Requests[^1]);
        Assert.Contains("Remember: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("Noted: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("What was the canary at?", resumed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FailsWithTheCliOwnMessage_WhenTheApiRejectsTheKey()
    {
        _model.Reply(new FakeReply.Error(401, "Incorrect API key provided: sk-fake"));

        var result = await RunAsync("anything");

        Assert.False(result.Succeeded);
        Assert.Contains("Incorrect API key provided: sk-fake (HTTP 401)", result.Error, StringComparison.Ordinal);
        Assert.Single(_model.Requests);
        Assert.Contains(_log.Entries, e => e.Type == "agent.error");
    }

    [Fact]
    public async Task RunAsync_KillsTheCliAndEverythingItStarted_WhenStopped()
    {
        _model.Reply(new FakeReply.Hang());
        using var stop = new CancellationTokenSource();
        var pid = 0;

        var running = RunAsync("take your time", processStarted: p => pid = p, cancellationToken: stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(_model.Requests.Count > 0), TimeSpan.FromSeconds(90), $"{Program} to call the model");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(15)));
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), TimeSpan.FromSeconds(10), $"{Program}'s process group to be gone");
    }

    [Fact]
    public async Task RunAsync_SaysHowToInstallTheCli_WhenItIsMissing()
    {
        var missing = $"/nonexistent/{Program}";

        var result = await NewRunner(missing).RunAsync(Request("x", null, _ => { }), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains($"'{missing}'", result.Error, StringComparison.Ordinal);
        Assert.Contains(InstallHint, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DoesNotRunCommands_AtTheDefaultPosture()
    {
        var marker = Path.Combine(_home.Path, "must-not-exist");
        _model.Reply(new FakeReply.ToolUse("bash", new { command = $"echo done > {marker}", description = "create the marker" }), new FakeReply.Text("I could not run it."));

        var result = await RunAsync("create the marker");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("I could not run it.", result.Output);
        Assert.False(File.Exists(marker));
        // The shell tool is not even offered, and the model is told so when it calls it anyway.
        Assert.DoesNotContain(Tools(_model.Requests[0]), t => t is "bash" or "edit" or "write");
        Assert.Equal("bash", Assert.Single(_log.Entries, e => e.Type == "tool.call").Data.GetProperty("name").GetString());
        var refused = Assert.Single(_log.Entries, e => e.Type == "tool.result").Data;
        Assert.True(refused.GetProperty("isError").GetBoolean());
        Assert.Contains("unavailable tool 'bash'", refused.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Scheduling follow-ups with AgentCron", Messages(_model.Requests[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RunsCommands_WhenThePostureIsFull()
    {
        var marker = Path.Combine(_home.Path, "ran-by-agent");
        _model.Reply(new FakeReply.ToolUse("bash", new { command = $"echo done > {marker}", description = "create the marker" }), new FakeReply.Text("Created it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Full);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Created it.", result.Output);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        var call = Assert.Single(_log.Entries, e => e.Type == "tool.call").Data;
        Assert.Equal("bash", call.GetProperty("name").GetString());
        Assert.Contains(marker, call.GetProperty("input").GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.False(Assert.Single(_log.Entries, e => e.Type == "tool.result").Data.GetProperty("isError").GetBoolean());
        Assert.Equal(["tool-calls", "stop"], _log.Entries.Where(e => e.Type == "agent.step").Select(e => e.Data.GetProperty("reason").GetString()));
        Assert.Equal((34L, 10L), (result.Usage!.InputTokens, result.Usage.OutputTokens));
        Assert.Contains("Scheduling follow-ups with AgentCron", Messages(_model.Requests[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeAsync_ReportsPathAndVersion_WhenTheCliIsInstalled()
    {
        var program = TestTools.NpmBin(Program);

        var info = await NewRunner(program).DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Equal(program, info.Path);
        Assert.Equal(Version, info.Version);
    }

    [Fact]
    public void Validate_RejectsACommand_WhichOnlyTheCommandAgentTakes()
    {
        var runner = NewRunner(Program);

        var error = Assert.Throws<Core.InvalidFieldException>(() => runner.Validate(new AgentSelection { Provider = runner.Provider, Command = "echo" }));

        Assert.Equal("agent.command", error.Field);
    }

    private Task<RunnerResult> RunAsync(string prompt, string? resume = null, Action<int>? processStarted = null, AgentPermissions? permissions = null, CancellationToken cancellationToken = default) =>
        NewRunner(TestTools.NpmBin(Program)).RunAsync(Request(prompt, resume, processStarted ?? (_ => { }), permissions), _log, cancellationToken);

    private RunRequest Request(string prompt, string? resume, Action<int> processStarted, AgentPermissions? permissions = null)
    {
        var task = new AgentTask { Id = $"t_{Program}", Slug = Program, Name = $"{Program} test", Instructions = prompt, Agent = new AgentSelection { Provider = Program, Permissions = permissions } };
        var run = new TaskRun { Id = $"r_{Program}", TaskId = task.Id, Occurrence = $"manual:r_{Program}", Status = RunStatus.Running };
        // A custom OpenAI-compatible provider on the fake server; the model's price makes the run's cost visible.
        var config = JsonSerializer.Serialize(new
        {
            provider = new Dictionary<string, object>
            {
                ["fake"] = new
                {
                    npm = "@ai-sdk/openai-compatible",
                    name = "fake",
                    options = new { baseURL = $"{_model.BaseUrl}/v1", apiKey = "sk-fake" },
                    models = new { m1 = new { cost = new { input = 3, output = 15 } } },
                },
            },
            model = "fake/m1",
        });
        var environment = new Dictionary<string, string>(new RunEnvironment("http://127.0.0.1:7433", _home.Path).For(run, task))
        {
            ["HOME"] = _home.Path,
            ["XDG_CONFIG_HOME"] = Path.Combine(_home.Path, ".config"),
            ["XDG_DATA_HOME"] = Path.Combine(_home.Path, ".local", "share"),
            ["XDG_CACHE_HOME"] = Path.Combine(_home.Path, ".cache"),
            ["XDG_STATE_HOME"] = Path.Combine(_home.Path, ".local", "state"),
            [$"{Prefix}_CONFIG_CONTENT"] = config,
            // No network here: the model catalogue (models.dev) is not fetched.
            [$"{Prefix}_DISABLE_MODELS_FETCH"] = "1",
        };
        foreach (var (name, value) in NoRetries)
        {
            environment[name] = value;
        }

        return new RunRequest(run, task, _home.Path, environment, processStarted, resume, AgentPrompt.Section(null, 5));
    }

    private static string Messages(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("messages"));

    private static IEnumerable<string?> Tools(RecordedRequest request) =>
        request.Body.TryGetProperty("tools", out var tools) ? tools.EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()) : [];
}
