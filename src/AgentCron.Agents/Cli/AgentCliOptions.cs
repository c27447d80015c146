namespace AgentCron.Agents.Cli;

/// <summary>What every agent-CLI runner is configured with (configuration section <c>Agents:&lt;Name&gt;</c>).</summary>
public record AgentCliOptions
{
    /// <summary>The CLI's executable: a path, or a name looked up on PATH. Empty means the runner's usual name.</summary>
    public string Executable { get; init; } = "";

    /// <summary>
    /// Variables the CLI gets on top of the daemon's environment (e.g. a gateway's base URL). Keep secrets such as API
    /// keys in the daemon's environment rather than in configuration files.
    /// </summary>
    public Dictionary<string, string> Environment { get; init; } = [];

    /// <summary>
    /// Arguments added to every invocation where the CLI takes its options (e.g. Codex's <c>-c key=value</c> settings
    /// or a profile), for what the runner has no setting of its own for.
    /// </summary>
    public List<string> Arguments { get; init; } = [];
}
