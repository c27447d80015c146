using System.Text.Json;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Agents.Tests.OpenCode;

/// <summary>
/// The runner contract for the CLIs of the OpenCode family (OpenCode and its fork Kilo): the same events, settings and
/// tools under different environment prefixes, so everything but the package and the prefix is said once here. The CLI
/// reaches the fake model server as a custom OpenAI-compatible provider whose model has a price, so runs have a cost.
/// </summary>
public abstract class OpenCodeFamilyRunnerTests : Tests.Cli.AgentCliRunnerContract
{
    /// <summary>The CLI's environment prefix (<c>OPENCODE</c>, <c>KILO</c>).</summary>
    protected abstract string Prefix { get; }

    /// <summary>How the runner names the CLI in a failed run's error.</summary>
    protected abstract string DisplayName { get; }

    protected override (long? Input, long? Output) TurnUsage => (17, 5);

    protected override KeyRejection RejectedKey => new("Incorrect API key provided: sk-fake", $"{DisplayName} failed: ", "Incorrect API key provided: sk-fake (HTTP 401)");

    protected override ShellTool Shell { get; } = new("bash", "command", "bash", "tool_call_id");

    protected override IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string>
    {
        ["XDG_CONFIG_HOME"] = Path.Combine(Home.Path, ".config"),
        ["XDG_DATA_HOME"] = Path.Combine(Home.Path, ".local", "share"),
        ["XDG_CACHE_HOME"] = Path.Combine(Home.Path, ".cache"),
        ["XDG_STATE_HOME"] = Path.Combine(Home.Path, ".local", "state"),
        [$"{Prefix}_CONFIG_CONTENT"] = JsonSerializer.Serialize(new
        {
            provider = new Dictionary<string, object>
            {
                ["fake"] = new
                {
                    npm = "@ai-sdk/openai-compatible",
                    name = "fake",
                    options = new { baseURL = $"{Server.BaseUrl}/v1", apiKey = "sk-fake" },
                    models = new { m1 = new { cost = new { input = 3, output = 15 } } },
                },
            },
            model = "fake/m1",
        }),
        // No network here: the model catalogue (models.dev) is not fetched.
        [$"{Prefix}_DISABLE_MODELS_FETCH"] = "1",
    };

    protected override string Conversation(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("messages"));

    /// <summary>Neither CLI can add to its system prompt: the scheduling section goes in front of the prompt.</summary>
    protected override string SchedulingPart(RecordedRequest request) => Conversation(request);

    protected override void AssertSessionId(string? sessionId) => Assert.StartsWith("ses_", sessionId, StringComparison.Ordinal);

    /// <summary>
    /// There is no closing event: a model request that finished logs an <c>agent.step</c> with its finish reason, and a
    /// failed session an <c>agent.error</c>.
    /// </summary>
    protected override void AssertResultLogged(bool isError)
    {
        if (isError)
        {
            Assert.Contains(Log.Entries, e => e.Type == "agent.error");
        }
        else
        {
            Assert.Equal("stop", Assert.Single(Log.Entries, e => e.Type == "agent.step").Data.GetProperty("reason").GetString());
        }
    }

    /// <summary>The model's price makes a cost; the session is titled after the task, so the CLI asks the model nothing but the turn.</summary>
    protected override void AssertAnswered(RunnerResult result)
    {
        Assert.True(result.Usage!.CostUsd > 0);
        Assert.Single(Server.Requests);
    }

    /// <summary>
    /// The shell is not even offered at the default posture; a call of it anyway comes back as OpenCode's <c>invalid</c>
    /// tool, which the run logs under the name the model asked for, as a failed result that says the tool is unavailable.
    /// </summary>
    protected override void AssertShellRefused(JsonElement toolResult)
    {
        base.AssertShellRefused(toolResult);
        Assert.DoesNotContain(ToolsOffered(Server.Requests[0]), t => t is "bash" or "edit" or "write");
        Assert.Contains("unavailable tool 'bash'", toolResult.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Two model requests (the call, then the answer), each logged as a step; the run's usage is their sum.</summary>
    protected override void AssertShellRan(RunnerResult result, JsonElement toolResult)
    {
        Assert.Equal(["tool-calls", "stop"], Log.Entries.Where(e => e.Type == "agent.step").Select(e => e.Data.GetProperty("reason").GetString()));
        Assert.Equal((2 * TurnUsage.Input, 2 * TurnUsage.Output), (result.Usage!.InputTokens, result.Usage.OutputTokens));
    }

    private static IEnumerable<string?> ToolsOffered(RecordedRequest request) =>
        request.Body.TryGetProperty("tools", out var tools) ? tools.EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()) : [];
}
