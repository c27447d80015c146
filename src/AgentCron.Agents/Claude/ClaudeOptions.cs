namespace AgentCron.Agents.Claude;

/// <summary>The Claude Code runner's settings (configuration section <c>Agents:Claude</c>).</summary>
public sealed record ClaudeOptions
{
    /// <summary>The <c>claude</c> executable: a path, or a name looked up on PATH.</summary>
    public string Executable { get; init; } = "claude";
}
