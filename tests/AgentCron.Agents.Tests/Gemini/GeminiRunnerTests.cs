using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Agents.Gemini;
using AgentCron.Agents.Tests.Cli;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Agents.Tests.Gemini;

/// <summary>The real Gemini CLI (npm @google/gemini-cli, installed by ./test.sh) against the fake model server's Gemini API.</summary>
public sealed class GeminiRunnerTests : AgentCliRunnerContract
{
    protected override CliPackage Package { get; } = new("gemini", "0.61.0", "npm install -g @google/gemini-cli");

    protected override (long? Input, long? Output) TurnUsage => (21, 7);

    protected override KeyRejection RejectedKey { get; } = new("API key not valid. Please pass a valid API key.", "Gemini CLI failed: [API Error:", "API key not valid");

    protected override ShellTool Shell { get; } = new("run_shell_command", "command", "run_shell_command", "functionResponse");

    protected override IReadOnlyDictionary<string, string> CliEnvironment => Server.GeminiEnvironment(Home.Path);

    protected override string TaskModel => "gemini-2.5-flash";

    [Fact]
    public async Task RunAsync_OffersTheFileToolsButNotTheShell_WhenThePostureIsEdit()
    {
        Server.Reply(new FakeReply.Text("ok"));

        var result = await RunAsync("look around", permissions: AgentPermissions.Edit);

        Assert.True(result.Succeeded, result.Error);
        var tools = ToolsOffered(Server.Requests[0]);
        Assert.Contains("write_file", tools);
        Assert.Contains("replace", tools);
        Assert.DoesNotContain("run_shell_command", tools);
    }

    protected override void PrepareHome() => FakeModelServer.WriteGeminiSettings(Home.Path);

    protected override IAgentRunner NewRunner(string executable) => new GeminiRunner(new AgentCliOptions { Executable = executable });

    protected override string Conversation(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("contents"));

    /// <summary>The Gemini CLI has no way to add to its system prompt: the scheduling section goes in front of the prompt.</summary>
    protected override string SchedulingPart(RecordedRequest request) => Conversation(request);

    protected override void AssertAnswered(RunnerResult result)
    {
        Assert.Equal(TaskModel, result.Model);
        var request = Assert.Single(Server.Requests);
        Assert.Equal($"/v1beta/models/{TaskModel}:streamGenerateContent", request.Path);
    }

    /// <summary>Read-only: the shell is not even offered to the model, and a call to it fails.</summary>
    protected override void AssertShellRefused(JsonElement toolResult)
    {
        base.AssertShellRefused(toolResult);
        Assert.DoesNotContain("run_shell_command", ToolsOffered(Server.Requests[0]));
        Assert.DoesNotContain("write_file", ToolsOffered(Server.Requests[0]));
        Assert.Contains("not found", toolResult.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    protected override void AssertShellRan(RunnerResult result, JsonElement toolResult) => Assert.Contains("run_shell_command", ToolsOffered(Server.Requests[0]));

    private static List<string> ToolsOffered(RecordedRequest request) =>
    [
        .. request.Body.GetProperty("tools").EnumerateArray()
            .SelectMany(t => t.TryGetProperty("functionDeclarations", out var declarations) ? declarations.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(d => d.GetProperty("name").GetString()!),
    ];
}
