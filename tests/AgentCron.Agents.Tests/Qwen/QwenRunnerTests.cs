using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Agents.Qwen;
using AgentCron.Agents.Tests.Cli;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Agents.Tests.Qwen;

/// <summary>The real Qwen Code CLI (npm @qwen-code/qwen-code, installed by ./test.sh) against the fake model server's Chat Completions API.</summary>
public sealed class QwenRunnerTests : AgentCliRunnerContract
{
    protected override CliPackage Package { get; } = new("qwen", "0.24.4", "npm install -g @qwen-code/qwen-code");

    protected override (long? Input, long? Output) TurnUsage => (17, 5);

    protected override KeyRejection RejectedKey { get; } = new("invalid api key", "Qwen Code failed: ", "401 invalid api key");

    protected override ShellTool Shell { get; } = new("run_shell_command", "command", "run_shell_command", "tool_call_id");

    protected override IReadOnlyDictionary<string, string> CliEnvironment => QwenHome.Environment(Home.Path, Server);

    [Fact]
    public async Task RunAsync_PassesTheTasksModel_WhenItHasOne()
    {
        Server.Reply(new FakeReply.Text("ok"));

        var result = await RunAsync("hi", model: "qwen3-coder-plus");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("qwen3-coder-plus", Server.Requests[^1].Body.GetProperty("model").GetString());
    }

    protected override void PrepareHome() => QwenHome.Prepare(Home.Path);

    protected override IAgentRunner NewRunner(string executable) => new QwenRunner(new AgentCliOptions { Executable = executable });

    protected override string Conversation(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("messages"));

    /// <summary>Qwen Code appends the scheduling section to its system prompt, the first of the messages.</summary>
    protected override string SchedulingPart(RecordedRequest request) => Conversation(request);

    /// <summary>The model named by <c>OPENAI_MODEL</c> in <see cref="QwenHome.Environment"/>.</summary>
    protected override void AssertAnswered(RunnerResult result) => Assert.Equal("fake-model", result.Model);

    /// <summary>Qwen's own result record would say 34 here: it restores the session's counters on resume.</summary>
    protected override void AssertResumed(RunnerResult second) => Assert.Equal(TurnUsage.Input, second.Usage!.InputTokens);

    protected override void AssertShellRefused(JsonElement toolResult)
    {
        base.AssertShellRefused(toolResult);
        Assert.Equal(1, Assert.Single(Log.Entries, e => e.Type == "agent.result").Data.GetProperty("permissionDenials").GetInt32());
    }
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
