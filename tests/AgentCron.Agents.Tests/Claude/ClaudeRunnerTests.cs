using System.Text.Json;
using AgentCron.Agents.Claude;
using AgentCron.Agents.Tests.Cli;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Agents.Tests.Claude;

/// <summary>The real Claude Code CLI (npm @anthropic-ai/claude-code, installed by ./test.sh) against the fake model server's Messages API.</summary>
public sealed class ClaudeRunnerTests : AgentCliRunnerContract
{
    protected override CliPackage Package { get; } = new("claude", "2.1.330 (Claude Code)", "npm install -g @anthropic-ai/claude-code");

    protected override (long? Input, long? Output) TurnUsage => (21, 7);

    protected override KeyRejection RejectedKey { get; } = new("invalid x-api-key", "Claude Code failed: ", "Invalid API key");

    protected override ShellTool Shell { get; } = new("Bash", "command", "Bash", "tool_result");

    protected override IReadOnlyDictionary<string, string> CliEnvironment => Server.ClaudeEnvironment;

    protected override IAgentRunner NewRunner(string executable) => new ClaudeRunner(new ClaudeOptions { Executable = executable });

    protected override string Conversation(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("messages"));

    /// <summary>Claude Code appends the scheduling section to its system prompt.</summary>
    protected override string SchedulingPart(RecordedRequest request) => JsonSerializer.Serialize(request.Body.GetProperty("system"));

    protected override void AssertAnswered(RunnerResult result) => Assert.True(result.Usage!.CostUsd > 0);
}
