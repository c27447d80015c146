using AgentCron.Agents.Cli;

namespace AgentCron.Agents.Claude;

/// <summary>The Claude Code runner's settings (configuration section <c>Agents:Claude</c>).</summary>
public sealed record ClaudeOptions : AgentCliOptions
{
    /// <summary>Give Claude Code AgentCron's MCP tools (<c>agentcron mcp</c>) in every run (default true).</summary>
    public bool Mcp { get; init; } = true;
}
