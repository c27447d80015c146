namespace AgentCron.Agents.Claude;

/// <summary>The Claude Code runner's settings (configuration section <c>Agents:Claude</c>).</summary>
public sealed record ClaudeOptions
{
    /// <summary>The <c>claude</c> executable: a path, or a name looked up on PATH.</summary>
    public string Executable { get; init; } = "claude";

    /// <summary>
    /// Variables Claude Code gets on top of the daemon's environment (e.g. <c>ANTHROPIC_BASE_URL</c> for a gateway).
    /// Keep secrets such as <c>ANTHROPIC_API_KEY</c> in the daemon's environment rather than in configuration files.
    /// </summary>
    public Dictionary<string, string> Environment { get; init; } = [];

    /// <summary>Give Claude Code AgentCron's MCP tools (<c>agentcron mcp</c>) in every run (default true).</summary>
    public bool Mcp { get; init; } = true;
}
