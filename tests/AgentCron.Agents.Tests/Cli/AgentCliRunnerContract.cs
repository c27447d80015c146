using System.Text.Json;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.Cli;

/// <summary>
/// What every agent-CLI runner must do, shown with its real CLI against the fake model server: answer a turn, resume a
/// session with its earlier context, fail with the CLI's own message when the API rejects the key, leave no process
/// behind when stopped, say how to install a missing CLI, describe an installed one, refuse <c>agent.command</c>, keep
/// the default posture from running a shell command and let <c>full</c> run it (and tell the agent about scheduling).
/// A runner's test class derives from this one (xUnit runs these facts once per derived class) and says how to build its
/// runner, how to point its CLI at the server and what its CLI and API say; where a CLI shows more than the others, it
/// adds assertions through the <c>Assert…</c> hooks. What only one CLI does stays in that class.
/// </summary>
public abstract class AgentCliRunnerContract : IAsyncLifetime, IDisposable
{
    protected const string SchedulingHeading = "Scheduling follow-ups with AgentCron";

    /// <summary>The CLI's throwaway HOME: its settings, sessions and error reports stay with the test.</summary>
    protected TempDirectory Home { get; } = new();

    protected FakeModelServer Server { get; private set; } = null!;

    /// <summary>Everything the runner logged, in order.</summary>
    private protected ListLog Log { get; } = new();

    /// <summary>The CLI as installed: its name in <c>.tools/npm/node_modules/.bin</c>, what it is pinned to, how to install it.</summary>
    protected abstract CliPackage Package { get; }

    /// <summary>The tokens a turn with one model response counts (what the server's API reports for it).</summary>
    protected abstract (long? Input, long? Output) TurnUsage { get; }

    /// <summary>How the API rejects the key and how the run then reports the CLI's own wording of it.</summary>
    protected abstract KeyRejection RejectedKey { get; }

    /// <summary>The CLI's shell tool as the model calls it and the run log names it.</summary>
    protected abstract ShellTool Shell { get; }

    /// <summary>The model the tasks name; null leaves it to the CLI (or its configuration).</summary>
    protected virtual string? TaskModel => null;

    /// <summary>
    /// Where the CLI runs (created before each test): a folder in <see cref="Home"/>, the same for every turn of a test
    /// (Gemini keeps its sessions per working directory), and one that does not contain HOME (Codex's edit posture may
    /// write in it).
    /// </summary>
    protected string WorkingDirectory => Path.Combine(Home.Path, "work");

    /// <summary>Variables on top of the run's (and HOME, always <see cref="Home"/>) that point the CLI at <see cref="Server"/>.</summary>
    protected virtual IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string>();

    /// <summary>The runner, for the CLI at <paramref name="executable"/> (configured for the server where it needs that).</summary>
    protected abstract IAgentRunner NewRunner(string executable);

    /// <summary>The texts of the conversation a request sends (the prompt, earlier turns).</summary>
    protected abstract string Conversation(RecordedRequest request);

    /// <summary>The part of a request that carries the scheduling section at the full posture (system prompt, developer message or prompt).</summary>
    protected abstract string SchedulingPart(RecordedRequest request);

    /// <summary>Writes what the CLI needs in <see cref="Home"/> before it runs (settings).</summary>
    protected virtual void PrepareHome()
    {
    }

    public async Task InitializeAsync()
    {
        Server = await FakeModelServer.StartAsync();
        Directory.CreateDirectory(WorkingDirectory);
        PrepareHome();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose()
    {
        Home.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task RunAsync_ReturnsTheAnswerSessionAndUsage_WhenTheModelAnswers()
    {
        Server.Reply(new FakeReply.Text("The deploy of api-7 is green."));

        var result = await RunAsync("Check the deploy of api-7.");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("The deploy of api-7 is green.", result.Output);
        AssertSessionId(result.SessionId);
        Assert.Equal(TurnUsage, (result.Usage!.InputTokens, result.Usage.OutputTokens));
        Assert.Contains("Check the deploy of api-7.", Conversation(Server.Requests[^1]), StringComparison.Ordinal);
        Assert.Equal(["The deploy of api-7 is green."], Log.Texts("assistant.text"));
        Assert.Equal(result.SessionId, Assert.Single(Log.Entries, e => e.Type == "agent.session").Data.GetProperty("sessionId").GetString());
        AssertResultLogged(isError: false);
        AssertAnswered(result);
    }

    [Fact]
    public async Task RunAsync_ContinuesTheConversation_WhenResumingItsSession()
    {
        Server.Reply(new FakeReply.Text("Noted: the canary is at 5%."), new FakeReply.Text("Still 5%."));
        var first = await RunAsync("Remember: the canary is at 5%.");

        var second = await RunAsync("What was the canary at?", first.SessionId);

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal("Still 5%.", second.Output);
        Assert.Equal(first.SessionId, second.SessionId);
        var resumed = Conversation(Server.Requests[^1]);
        Assert.Contains("Remember: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("Noted: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("What was the canary at?", resumed, StringComparison.Ordinal);
        AssertResumed(second);
    }

    [Fact]
    public async Task RunAsync_FailsQuicklyWithTheAgentsOwnMessage_WhenTheApiRejectsTheKey()
    {
        Server.Reply(new FakeReply.Error(401, RejectedKey.ApiMessage));

        // The CLI is told not to retry (a failing-API run must not take minutes): one request, and an answer well inside
        // the bound, which is generous only because a busy machine can take that long to start a Node CLI.
        var result = await RunAsync("anything").WaitAsync(TimeSpan.FromMinutes(2));

        Assert.False(result.Succeeded);
        Assert.StartsWith(RejectedKey.ErrorStart, result.Error, StringComparison.Ordinal);
        Assert.Contains(RejectedKey.Error, result.Error, StringComparison.Ordinal);
        Assert.Single(Server.Requests);
        AssertResultLogged(isError: true);
    }

    [Fact]
    public async Task RunAsync_KillsTheCliAndEverythingItStarted_WhenStopped()
    {
        Server.Reply(new FakeReply.Hang());
        using var stop = new CancellationTokenSource();
        var pid = 0;

        var running = RunAsync("take your time", processStarted: p => pid = p.Pid, cancellationToken: stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(Server.Requests.Count > 0), TimeSpan.FromSeconds(60), $"{Package.Cli} to call the model");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(15)));
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), TimeSpan.FromSeconds(10), $"{Package.Cli}'s process group to be gone");
    }

    [Fact]
    public async Task RunAsync_SaysHowToInstallTheCli_WhenItIsMissing()
    {
        var missing = $"/nonexistent/{Package.Cli}";

        var result = await NewRunner(missing).RunAsync(Request("x"), Log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains($"'{missing}'", result.Error, StringComparison.Ordinal);
        Assert.Contains(Package.InstallHint, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeAsync_ReportsPathAndVersion_WhenTheCliIsInstalled()
    {
        var cli = TestTools.NpmBin(Package.Cli);

        var info = await NewRunner(cli).DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Equal(cli, info.Path);
        Assert.Equal(Package.Version, info.Version);
    }

    [Fact]
    public async Task DescribeAsync_SaysHowToInstall_WhenTheCliIsMissing()
    {
        var info = await NewRunner($"/nonexistent/{Package.Cli}").DescribeAsync(CancellationToken.None);

        Assert.False(info.Available);
        Assert.Contains(Package.InstallHint, info.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RejectsACommand_WhichOnlyTheCommandAgentTakes()
    {
        var runner = NewRunner(Package.Cli);

        var error = Assert.Throws<Core.InvalidFieldException>(() => runner.Validate(new AgentSelection { Provider = runner.Provider, Command = "echo" }));

        Assert.Equal("agent.command", error.Field);
    }

    [Fact]
    public async Task RunAsync_LogsAShellCallThatCannotWrite_WhenThePostureIsTheDefault()
    {
        // The command reports its own status, so a CLI that runs it confined (Codex's read-only sandbox) logs it too:
        // codex 0.169.0 often leaves a sandboxed command that exits non-zero out of its JSONL.
        var marker = Path.Combine(WorkingDirectory, "should-not-exist");
        Server.Reply(Shell.Call($"echo done > {marker}; echo status $?"), new FakeReply.Text("I could not write it."));

        var result = await RunAsync("create the marker");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("I could not write it.", result.Output);
        var call = Assert.Single(Log.Entries, e => e.Type == "tool.call");
        Assert.Equal(Shell.LoggedAs, call.Data.GetProperty("name").GetString());
        AssertRefusedCallInput(call.Data.GetProperty("input"), marker);
        var toolResult = Assert.Single(Log.Entries, e => e.Type == "tool.result").Data;
        Assert.Equal(call.Data.GetProperty("id").GetString(), toolResult.GetProperty("id").GetString());
        Assert.Contains(Shell.ResultSent, JsonSerializer.Serialize(Server.Requests[^1].Body), StringComparison.Ordinal);
        Assert.DoesNotContain(SchedulingHeading, JsonSerializer.Serialize(Server.Requests[0].Body), StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        AssertShellRefused(toolResult);
    }

    [Fact]
    public async Task RunAsync_RunsCommandsAndIsToldAboutScheduling_WhenThePostureIsFull()
    {
        // Outside the working directory: only the full posture may write there (Codex's sandbox confines edit to it).
        var marker = Path.Combine(Home.Path, "ran-by-agent");
        Server.Reply(Shell.Call($"echo done > {marker}"), new FakeReply.Text("Created it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Full);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Created it.", result.Output);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        Assert.Contains(SchedulingHeading, SchedulingPart(Server.Requests[0]), StringComparison.Ordinal);
        var call = Assert.Single(Log.Entries, e => e.Type == "tool.call");
        Assert.Equal(Shell.LoggedAs, call.Data.GetProperty("name").GetString());
        Assert.Contains(marker, call.Data.GetProperty("input").GetProperty("command").GetString(), StringComparison.Ordinal);
        var toolResult = Assert.Single(Log.Entries, e => e.Type == "tool.result").Data;
        Assert.False(toolResult.GetProperty("isError").GetBoolean());
        AssertShellRan(result, toolResult);
    }

    /// <summary>The form of the CLI's session ids; by default a UUID.</summary>
    protected virtual void AssertSessionId(string? sessionId) => Assert.True(Guid.TryParse(sessionId, out _), sessionId);

    /// <summary>How the run log closes a turn; by default with one <c>agent.result</c> entry that says whether the turn failed.</summary>
    protected virtual void AssertResultLogged(bool isError) =>
        Assert.Equal(isError, Assert.Single(Log.Entries, e => e.Type == "agent.result").Data.GetProperty("isError").GetBoolean());

    /// <summary>What a runner shows beyond the others when a turn is answered.</summary>
    protected virtual void AssertAnswered(RunnerResult result)
    {
    }

    /// <summary>What a runner shows beyond the others on a resumed turn (e.g. that it counts only this turn's tokens).</summary>
    protected virtual void AssertResumed(RunnerResult second)
    {
    }

    /// <summary>The logged input of the shell call the default posture kept from writing; by default the command the model sent (it names <paramref name="marker"/>).</summary>
    protected virtual void AssertRefusedCallInput(JsonElement input, string marker) =>
        Assert.Contains(marker, input.GetProperty("command").GetString(), StringComparison.Ordinal);

    /// <summary>How the default posture kept the shell call from writing; by default the CLI refused it, so its result is an error.</summary>
    protected virtual void AssertShellRefused(JsonElement toolResult) => Assert.True(toolResult.GetProperty("isError").GetBoolean());

    /// <summary>What a runner shows beyond the others when the full posture ran the shell call.</summary>
    protected virtual void AssertShellRan(RunnerResult result, JsonElement toolResult)
    {
    }

    /// <summary>One turn of the real CLI (from .tools) against the server.</summary>
    protected Task<RunnerResult> RunAsync(string prompt, string? resume = null, AgentPermissions? permissions = null, string? model = null, Action<StartedProcess>? processStarted = null, CancellationToken cancellationToken = default) =>
        NewRunner(TestTools.NpmBin(Package.Cli)).RunAsync(Request(prompt, resume, permissions, model, processStarted), Log, cancellationToken);

    private RunRequest Request(string prompt, string? resume = null, AgentPermissions? permissions = null, string? model = null, Action<StartedProcess>? processStarted = null)
    {
        var agent = new AgentSelection { Provider = NewRunner(Package.Cli).Provider, Model = model ?? TaskModel, Permissions = permissions };
        var task = new AgentTask { Id = $"t_{Package.Cli}", Slug = Package.Cli, Name = Package.Cli, Instructions = prompt, Agent = agent };
        var run = new TaskRun { Id = $"r_{Package.Cli}", TaskId = task.Id, Occurrence = $"manual:r_{Package.Cli}", Status = RunStatus.Running };
        var environment = new Dictionary<string, string>(new RunEnvironment("http://127.0.0.1:7433", Home.Path, TestSandbox.None).For(run, task)) { ["HOME"] = Home.Path };
        foreach (var (name, value) in CliEnvironment)
        {
            environment[name] = value;
        }

        return new RunRequest(run, task, WorkingDirectory, TestSandbox.Bubblewrap(), environment, processStarted ?? (_ => { }), resume, AgentPrompt.Section(null, 5));
    }

    /// <summary>A CLI as the tests find it: its name in <c>.tools/npm/node_modules/.bin</c>, the first line its pinned version's <c>--version</c> prints, and the install command a missing CLI's message must name.</summary>
    protected sealed record CliPackage(string Cli, string Version, string InstallHint);

    /// <summary>What the API answers a rejected key with (status 401), how the run's error starts, and the CLI's own wording it must contain.</summary>
    protected sealed record KeyRejection(string ApiMessage, string ErrorStart, string Error);

    /// <summary>
    /// The CLI's shell tool: its name and command argument as the model calls it, the name the run log gives the call,
    /// and what the request after the call contains when it carries the result back to the model.
    /// </summary>
    protected sealed record ShellTool(string Name, string Argument, string LoggedAs, string ResultSent)
    {
        /// <summary>The model's call of the tool with <paramref name="command"/>.</summary>
        public FakeReply Call(string command) => new FakeReply.ToolUse(Name, new Dictionary<string, string> { [Argument] = command });
    }
}
