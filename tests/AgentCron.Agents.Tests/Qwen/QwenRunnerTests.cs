using System.Diagnostics;
using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Agents.Qwen;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.Qwen;

/// <summary>The real Qwen Code CLI (npm @qwen-code/qwen-code, installed by ./test.sh) against the fake model server.</summary>
public sealed class QwenRunnerTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly ListLog _log = new();
    private FakeModelServer _model = null!;

    public async Task InitializeAsync()
    {
        _model = await FakeModelServer.StartAsync();
        QwenHome.Prepare(_home.Path);
    }

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
        Assert.Equal("fake-model", result.Model);
        Assert.Equal((17L, 5L), (result.Usage!.InputTokens, result.Usage.OutputTokens));
        Assert.Contains("Check the deploy of api-7.", Messages(_model.Requests[^1]), StringComparison.Ordinal);
        Assert.Equal(["The deploy of api-7 is green."], _log.Texts("assistant.text"));
        Assert.Contains(_log.Entries, e => e.Type == "agent.session");
        Assert.Contains(_log.Entries, e => e.Type == "agent.result");
    }

    [Fact]
    public async Task RunAsync_ContinuesTheConversationAndCountsOnlyThisTurn_WhenResumingItsSession()
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
        // Qwen's own result record would say 34 here: it restores the session's counters on resume.
        Assert.Equal(17L, second.Usage!.InputTokens);
    }

    [Fact]
    public async Task RunAsync_FailsFastWithTheAgentsOwnMessage_WhenTheApiRejectsTheKey()
    {
        _model.Reply(new FakeReply.Error(401, "invalid api key"));
        var clock = Stopwatch.StartNew();

        var result = await RunAsync("anything");

        Assert.False(result.Succeeded);
        Assert.Contains("401 invalid api key", result.Error, StringComparison.Ordinal);
        Assert.Single(_model.Requests);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task RunAsync_KillsQwenAndEverythingItStarted_WhenStopped()
    {
        _model.Reply(new FakeReply.Hang());
        using var stop = new CancellationTokenSource();
        var pid = 0;

        var running = RunAsync("take your time", processStarted: p => pid = p, cancellationToken: stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(_model.Requests.Count > 0), TimeSpan.FromSeconds(60), "qwen to call the model");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(15)));
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), TimeSpan.FromSeconds(10), "qwen's process group to be gone");
    }

    [Fact]
    public async Task RunAsync_SaysHowToInstallQwen_WhenItIsMissing()
    {
        var runner = new QwenRunner(new AgentCliOptions { Executable = "/nonexistent/qwen" });

        var result = await runner.RunAsync(Request("x", null, _ => { }), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("'/nonexistent/qwen'", result.Error, StringComparison.Ordinal);
        Assert.Contains("npm install -g @qwen-code/qwen-code", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RefusesAndLogsAShellCall_WhenThePostureIsTheDefault()
    {
        var marker = Path.Combine(_home.Path, "should-not-exist");
        _model.Reply(new FakeReply.ToolUse("run_shell_command", new { command = $"echo done > {marker}" }), new FakeReply.Text("I could not run it."));

        var result = await RunAsync("touch a file");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("I could not run it.", result.Output);
        var call = Assert.Single(_log.Entries, e => e.Type == "tool.call");
        Assert.Equal("run_shell_command", call.Data.GetProperty("name").GetString());
        Assert.True(Assert.Single(_log.Entries, e => e.Type == "tool.result").Data.GetProperty("isError").GetBoolean());
        Assert.Equal(1, Assert.Single(_log.Entries, e => e.Type == "agent.result").Data.GetProperty("permissionDenials").GetInt32());
        Assert.DoesNotContain("Scheduling follow-ups with AgentCron", JsonSerializer.Serialize(_model.Requests[0].Body), StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task RunAsync_LetsQwenRunCommandsAndTellsItAboutScheduling_WhenThePostureIsFull()
    {
        var marker = Path.Combine(_home.Path, "ran-by-qwen");
        _model.Reply(new FakeReply.ToolUse("run_shell_command", new { command = $"echo done > {marker}" }), new FakeReply.Text("Created it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Full);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        Assert.Contains("Scheduling follow-ups with AgentCron", Messages(_model.Requests[0]), StringComparison.Ordinal);
        Assert.False(Assert.Single(_log.Entries, e => e.Type == "tool.result").Data.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task RunAsync_PassesTheTasksModel_WhenItHasOne()
    {
        _model.Reply(new FakeReply.Text("ok"));

        var result = await RunAsync("hi", model: "qwen3-coder-plus");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("qwen3-coder-plus", _model.Requests[^1].Body.GetProperty("model").GetString());
    }

    [Fact]
    public async Task DescribeAsync_ReportsPathAndVersion_WhenQwenIsInstalled()
    {
        var qwen = TestTools.NpmBin("qwen");

        var info = await new QwenRunner(new AgentCliOptions { Executable = qwen }).DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Equal(qwen, info.Path);
        Assert.Equal("0.24.4", info.Version);
    }

    [Fact]
    public void Validate_RejectsACommand_WhichOnlyTheCommandAgentTakes()
    {
        var error = Assert.Throws<Core.InvalidFieldException>(() =>
            new QwenRunner(new AgentCliOptions()).Validate(new AgentSelection { Provider = "qwen", Command = "echo" }));

        Assert.Equal("agent.command", error.Field);
    }

    private Task<RunnerResult> RunAsync(string prompt, string? resume = null, Action<int>? processStarted = null, AgentPermissions? permissions = null, string? model = null, CancellationToken cancellationToken = default) =>
        new QwenRunner(new AgentCliOptions { Executable = TestTools.NpmBin("qwen") })
            .RunAsync(Request(prompt, resume, processStarted ?? (_ => { }), permissions, model), _log, cancellationToken);

    private RunRequest Request(string prompt, string? resume, Action<int> processStarted, AgentPermissions? permissions = null, string? model = null)
    {
        var task = new AgentTask { Id = "t_qwen", Slug = "qwen", Name = "qwen", Instructions = prompt, Agent = new AgentSelection { Provider = "qwen", Permissions = permissions, Model = model } };
        var run = new TaskRun { Id = "r_qwen", TaskId = task.Id, Occurrence = "manual:r_qwen", Status = RunStatus.Running };
        var environment = new Dictionary<string, string>(new RunEnvironment("http://127.0.0.1:7433", _home.Path).For(run, task));
        foreach (var (name, value) in QwenHome.Environment(_home.Path, _model))
        {
            environment[name] = value;
        }

        return new RunRequest(run, task, _home.Path, environment, processStarted, resume, AgentPrompt.Section(null, 5));
    }

    private static string Messages(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("messages"));
}

/// <summary>A throwaway home for the real qwen: pointed at the fake server, with no background memory extraction (a side request after every turn).</summary>
internal static class QwenHome
{
    public static void Prepare(string home)
    {
        Directory.CreateDirectory(Path.Combine(home, ".qwen"));
        File.WriteAllText(Path.Combine(home, ".qwen", "settings.json"), """{"memory":{"enableManagedAutoMemory":false,"enableManagedAutoDream":false}}""");
    }

    public static Dictionary<string, string> Environment(string home, FakeModelServer model) => new()
    {
        ["HOME"] = home,
        ["OPENAI_API_KEY"] = "sk-fake",
        ["OPENAI_BASE_URL"] = $"{model.BaseUrl}/v1",
        ["OPENAI_MODEL"] = "fake-model",
    };
}
