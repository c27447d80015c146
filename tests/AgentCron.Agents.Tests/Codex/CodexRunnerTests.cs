using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Agents.Codex;
using AgentCron.Agents.Tests.Cli;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Agents.Tests.Codex;

/// <summary>The real Codex CLI (npm @openai/codex, installed by ./test.sh) against the fake model server's Responses API.</summary>
public sealed class CodexRunnerTests : AgentCliRunnerContract
{
    protected override CliPackage Package { get; } = new("codex", "codex-cli 0.169.0", "npm install -g @openai/codex");

    protected override (long? Input, long? Output) TurnUsage => (29, 11);

    protected override KeyRejection RejectedKey { get; } = new("Incorrect API key provided: sk-fake.", "Codex failed: ", "401 Unauthorized: Incorrect API key provided: sk-fake.");

    protected override ShellTool Shell { get; } = new("exec_command", "cmd", "command", "function_call_output");

    /// <summary>
    /// A model Codex has no metadata for, so it offers the model its classic function tools (exec_command) and reports
    /// commands as command_execution items; for its own default model (gpt-6.1-sol in 0.169.0) it sends no tools
    /// (code mode) and a command the model still calls by name runs without such items.
    /// </summary>
    protected override string TaskModel => "fake-codex-model";

    [Fact]
    public async Task RunAsync_WritesInItsWorkingDirectory_WhenThePostureIsEdit()
    {
        var marker = Path.Combine(WorkingDirectory, "edited-by-codex");
        Server.Reply(Shell.Call($"echo done > {marker}"), new FakeReply.Text("Wrote it."));

        var result = await RunAsync("create the marker", permissions: AgentPermissions.Edit);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("done", File.ReadAllText(marker).Trim());
        Assert.Contains("`sandbox_mode` is `workspace-write`", Input(Server.Requests[0]), StringComparison.Ordinal);
        Assert.DoesNotContain(SchedulingHeading, Input(Server.Requests[0]), StringComparison.Ordinal);
    }

    /// <summary>
    /// Codex with its state (sessions) in the test's HOME, pointed at the server by <c>-c</c> settings. Its temp folder is
    /// one inside HOME: Codex refuses to make the helper its sandbox starts (codex-linux-sandbox) under the temp folder,
    /// where the test's HOME is, and its shell tool then fails to start.
    /// </summary>
    protected override IAgentRunner NewRunner(string executable) => new CodexRunner(new AgentCliOptions
    {
        Executable = executable,
        Arguments = [.. Server.CodexArguments],
        Environment = { ["HOME"] = Home.Path, ["TMPDIR"] = Home.File("tmp"), [FakeModelServer.CodexKeyVariable] = "sk-fake" },
    });

    protected override void PrepareHome() => Directory.CreateDirectory(Home.File("tmp"));

    protected override string Conversation(RecordedRequest request) => Input(request);

    /// <summary>Codex gets the scheduling section as developer instructions.</summary>
    protected override string SchedulingPart(RecordedRequest request) => Input(request, role: "developer");

    protected override void AssertAnswered(RunnerResult result)
    {
        var request = Assert.Single(Server.Requests);
        Assert.Equal(TaskModel, request.Body.GetProperty("model").GetString());
        // The default posture is Codex's read-only sandbox, and Codex tells the model so.
        Assert.Contains("`sandbox_mode` is `read-only`", Input(request), StringComparison.Ordinal);
    }

    /// <summary>Codex reports the session's running totals; the run records this turn's own usage.</summary>
    protected override void AssertResumed(RunnerResult second)
    {
        Assert.Equal(TurnUsage, (second.Usage!.InputTokens, second.Usage.OutputTokens));
        Assert.Equal(2 * TurnUsage.Input, Log.Entries.Last(e => e.Type == "agent.result").Data.GetProperty("sessionInputTokens").GetInt64());
    }

    /// <summary>The default posture is Codex's read-only sandbox: the command runs, but cannot write, and the model is told why.</summary>
    protected override void AssertShellRefused(JsonElement toolResult)
    {
        Assert.Contains("Read-only file system", toolResult.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("status 1", toolResult.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("Read-only file system", Input(Server.Requests[^1]), StringComparison.Ordinal);
    }

    protected override void AssertShellRan(RunnerResult result, JsonElement toolResult) => Assert.Equal(0, toolResult.GetProperty("exitCode").GetInt32());

    /// <summary>The texts of a request's input items (messages, tool outputs), optionally only the messages of one role.</summary>
    private static string Input(RecordedRequest request, string? role = null) => string.Join("\n",
        request.Body.GetProperty("input").EnumerateArray()
            .Where(item => role is null || (item.TryGetProperty("role", out var r) && r.GetString() == role))
            .SelectMany(item => item.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
                ? content.EnumerateArray().Select(part => part.TryGetProperty("text", out var text) ? text.GetString() : null)
                : [item.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String ? output.GetString() : null])
            .OfType<string>());
}
